"""Filters of the reviewer pages: `|markdown` renders text safely, `|words` counts words,
`|duration` writes seconds as "1 min 20 s"."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from curation.reviewing.rendering import markdown_render, words_count

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> SafeString:
    return markdown_render(text)


@register.filter(name="words")
def words_filter(text: str | None) -> int:
    return words_count(text)


@register.filter(name="duration")
def duration_filter(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = round(float(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


@register.filter(name="role_label")
def role_label_filter(role: str | None) -> str:
    """Who spoke a chat turn, in words a physician expects."""
    return {"user": "Patient", "assistant": "Assistant", "system": "System"}.get(
        (role or "").lower(), (role or "Unknown").capitalize()
    )
