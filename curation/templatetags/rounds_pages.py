"""Filters of the reviewer pages: `|markdown` renders text safely, `|words` counts words,
`|duration` writes seconds as "1 min 20 s", `|question_start` the first words of a sample's
question."""

from __future__ import annotations

import re

from django import template
from django.utils.safestring import SafeString
from django.utils.text import Truncator

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


_MARKUP = re.compile(r"[#*_`>|~\[\]]+")


@register.filter(name="question_start")
def question_start_filter(messages, words: int = 12) -> str:
    """The first words of the first patient turn, as plain text (Markdown marks dropped)."""
    turns = messages if isinstance(messages, list) else []
    text = next(
        (
            t.get("content")
            for t in turns
            if isinstance(t, dict) and t.get("role") == "user" and isinstance(t.get("content"), str)
        ),
        "",
    )
    plain = " ".join(_MARKUP.sub(" ", text).split())
    return Truncator(plain).words(int(words), truncate="…")
