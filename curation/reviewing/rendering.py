"""Markdown for sample text and guidelines: raw HTML is shown as text, the output is sanitised.

Sample text comes from imports nobody on our side wrote, so two layers keep it inert:
Markdown's raw-HTML handling is switched off (``<script>`` in a message is displayed, escaped,
as the characters the model or patient typed), and the produced HTML then goes through nh3 with
a short allow-list of tags, attributes and URL schemes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "s", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}
IMAGE_DATA_URL = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+$")
_WORD = re.compile(r"\S+")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["sane_lists", "fenced_code", "tables", "nl2br"])
    # Raw HTML is text here: without these two stages Markdown passes tags through untouched.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def markdown_render(text: str | None) -> SafeString:
    """Markdown to HTML that is safe to put in a page."""
    if not text:
        return mark_safe("")  # noqa: S308 - empty
    html = _markdown().convert(str(text))
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above


def words_count(text: str | None) -> int:
    return len(_WORD.findall(text or ""))


def image_url_safe(url: Any) -> str | None:
    """An image URL any page may load without an allow-list: an inline raster data URL."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    return url if IMAGE_DATA_URL.match(url) else None


def image_host(url: str) -> str | None:
    """The host of an absolute http(s) URL, else None."""
    lowered = url.strip().lower()
    if not lowered.startswith(("https://", "http://")):
        return None
    try:
        return urlsplit(lowered).hostname or None
    except ValueError:
        return None


def sample_images(
    images: Iterable[Any] | None, *, allowed_hosts: Iterable[str] = ()
) -> list[dict[str, str | None]]:
    """A sample's ``images`` (URLs or paths, or objects with url/src and alt) for the page.

    The page loads an image (``url``) only from the project's storage (an inline data URL) or
    over https from a host on the project's ``image_hosts``: any other URL would be a request
    from the physician's browser to wherever the import pointed (tracking, or a GET to this
    site). Another host gets ``host`` so the page can say so without a link; a path (also a
    path of this site) gets ``path``, an image that is attached but not served here; anything
    with another scheme (``javascript:``, ``file:``) is dropped.
    """
    allowed = {host.lower() for host in allowed_hosts}
    out: list[dict[str, str | None]] = []
    for position, image in enumerate(images or [], start=1):
        if isinstance(image, dict):
            raw = image.get("url") or image.get("src")
            alt = str(image.get("alt") or image.get("caption") or "")
        else:
            raw, alt = image, ""
        if not isinstance(raw, str) or not raw.strip():
            continue
        raw = raw.strip()
        alt = alt or f"Image {position} attached to the sample"
        host = image_host(raw)
        if image_url_safe(raw):
            out.append({"url": raw, "alt": alt, "path": None})
        elif host is not None:
            if host in allowed and raw.lower().startswith("https://"):
                out.append({"url": raw, "alt": alt, "path": None})
            else:
                out.append({"url": None, "alt": alt, "path": None, "host": host})
        elif not _SCHEME.match(raw) and not raw.startswith("//"):
            out.append({"url": None, "alt": alt, "path": raw})
    return out


def image_csp_sources(allowed_hosts: Iterable[str]) -> list[str]:
    """The img-src sources a page showing this project's images adds to the policy."""
    return [f"https://{host}" for host in sorted({h.lower() for h in allowed_hosts})]
