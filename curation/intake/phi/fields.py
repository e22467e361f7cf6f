"""Every field of a sample a reviewer sees or an export carries, screened in one pass.

A finding names the kind of identifier and the field it is in, never the matched text:
findings are stored on the sample and may be logged, and must not spread the identifier.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from .rule import Hit
from .scan import identifier_spans

# Fields are joined for one scan; NUL never occurs in stored text (import refuses it), and no
# rule matches across a newline followed by NUL, so a finding never spans two fields.
_JOIN = "\n\x00\n"

# Per kind of field, kinds that are expected there and say nothing about a person: an image
# is fetched from a host (its URL is the point), and dataset ids are often "case-0042".
_IGNORE = {
    "images": frozenset({"url", "ip_address"}),
    "id": frozenset({"case_number"}),
}


@dataclass(frozen=True)
class Finding:
    kind: str
    field: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "field": self.field}


@dataclass(frozen=True)
class Located:
    """A finding with its place in the field's text, for messages to the text's author."""

    kind: str
    field: str
    start: int
    end: int


def _label(key: object) -> str:
    # "patient_name" -> "patient name", so the key reads as the cue it is.
    return str(key).replace("_", " ").replace("-", " ")


def _walk(value: object, path: str, key: object) -> Iterator[tuple[str, str]]:
    """(path, text) for each scalar of a nested value; a key is read together with its value.

    Iterative, so no nesting depth escapes the screen or overflows the stack.
    """
    stack = [(value, path, key)]
    while stack:
        value, path, key = stack.pop()
        if isinstance(value, Mapping):
            items = [(v, f"{path}.{k}", k) for k, v in value.items()]
            stack.extend(reversed(items))
        elif isinstance(value, list | tuple):
            items = [(item, f"{path}[{index}]", key) for index, item in enumerate(value)]
            stack.extend(reversed(items))
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            text = str(value)
            yield path, f"{_label(key)}: {text}" if key is not None else text


def _image_text(url: str) -> str:
    """The parts of an image address a person's details could hide in: path and query."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return unquote(url)
    rest = unquote(parts.path + ("?" + parts.query if parts.query else "")).replace("+", " ")
    for sep in "/_?&=":
        rest = rest.replace(sep, " ")
    return rest


def sample_texts(
    *,
    messages: Iterable[object],
    reasoning: str = "",
    answer: str = "",
    metadata: Mapping | None = None,
    external_id: str | None = None,
    images: Iterable[object] = (),
) -> Iterator[tuple[str, str]]:
    """(field, text) for every piece of a sample a reader sees or an export carries."""
    if external_id:
        yield "id", str(external_id).replace("_", " ")
    for index, message in enumerate(messages or ()):
        if not isinstance(message, Mapping):
            continue
        for key, value in message.items():
            if key == "role":
                continue
            where = f"messages[{index}].{key}"
            if key == "content" and isinstance(value, str):
                yield where, value
            else:
                yield from _walk(value, where, key)
    if reasoning:
        yield "reasoning", reasoning
    if answer:
        yield "answer", answer
    if metadata:
        yield from _walk(metadata, "metadata", None)
    for index, url in enumerate(images or ()):
        if isinstance(url, str) and url:
            yield f"images[{index}]", _image_text(url)


def _field_class(field: str) -> str:
    return field.split("[", 1)[0].split(".", 1)[0]


def locate(texts: Iterable[tuple[str, str]]) -> list[Located]:
    """Every identifier in the given (field, text) pairs, scanned together in one pass."""
    pairs = [(field, text) for field, text in texts if text]
    if not pairs:
        return []
    starts = []
    offset = 0
    for _, text in pairs:
        starts.append(offset)
        offset += len(text) + len(_JOIN)
    joined = _JOIN.join(text for _, text in pairs)
    found: list[Located] = []
    index = 0
    for hit in identifier_spans(joined):
        while index + 1 < len(starts) and hit.start >= starts[index + 1]:
            index += 1
        field, text = pairs[index]
        located = _clip(hit, field, starts[index], len(text))
        if located is not None and located.kind not in _IGNORE.get(_field_class(field), ()):
            found.append(located)
    return found


def _clip(hit: Hit, field: str, start: int, length: int) -> Located | None:
    begin, end = hit.start - start, min(hit.end - start, length)
    if begin < 0 or begin >= length or end <= begin:
        return None
    return Located(hit.kind, field, begin, end)


def sample_findings(
    *,
    messages: Iterable[object],
    reasoning: str = "",
    answer: str = "",
    metadata: Mapping | None = None,
    external_id: str | None = None,
    images: Iterable[object] = (),
) -> list[Finding]:
    """Every (kind, field) with a likely patient identifier, in field order, each once."""
    texts = sample_texts(
        messages=messages,
        reasoning=reasoning,
        answer=answer,
        metadata=metadata,
        external_id=external_id,
        images=images,
    )
    order: dict[str, int] = {}
    kinds: dict[str, set[str]] = {}
    for located in locate(texts):
        order.setdefault(located.field, len(order))
        kinds.setdefault(located.field, set()).add(located.kind)
    return [Finding(kind, field) for field in order for kind in sorted(kinds[field])]
