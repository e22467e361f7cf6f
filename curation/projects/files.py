"""The project file (YAML or JSON): reading it and validating it in full before anything is
written, with every error named by its path in the file.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from annotators.models import Cohort
from core.errors import DomainError, ErrorDetail
from core.records import load_document
from curation.models import Criterion, Project
from curation.models.rubric import Axis

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
TOP_FIELDS = {
    "slug",
    "name",
    "guidelines",
    "overlap",
    "specialty_match",
    "gold_rate",
    "cohorts",
    "rubric",
    "lease_minutes",
    "consensus_threshold",
    "status",
    "image_hosts",
    "kind",
    "axes",
    "allow_ties",
    "criteria_validators",
    "criteria_agree_share",
}
AXIS_FIELDS = {"key", "label", "guidance"}
RUBRIC_FIELDS = {"name", "family", "description", "criteria"}
CRITERION_FIELDS = {
    "key",
    "label",
    "guidance",
    "kind",
    "min",
    "max",
    "labels",
    "choices",
    "points",
    "axis",
    "allow_na",
}
KIND_ONLY = {
    "min": "ordinal",
    "max": "ordinal",
    "labels": "ordinal",
    "choices": "nominal",
    "points": "points",
}
PROJECT_FIELDS = (
    "name",
    "guidelines",
    "overlap",
    "specialty_match",
    "gold_rate",
    "lease_minutes",
    "consensus_threshold",
    "status",
    "image_hosts",
    "kind",
    "comparison_axes",
    "allow_ties",
    "criteria_validators",
    "criteria_agree_share",
)


# --- reading a file, keeping the line of every field ----------------------------------------


@dataclass
class ProjectFile:
    data: Any
    lines: dict[str, int] = field(default_factory=dict)
    filename: str = "<project>"


def _walk(
    node: yaml.Node, path: str, lines: dict[str, int], errors: list[ErrorDetail], filename: str
) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if key in seen:
                errors.append(
                    ErrorDetail("is given twice", child, key_node.start_mark.line + 1, filename)
                )
            seen.add(key)
            lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, lines, errors, filename)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, f"{path}[{index}]", lines, errors, filename)


def project_file_read(*, source: str | bytes, filename: str = "<project>") -> ProjectFile:
    """Parse YAML or JSON (by extension, else by the first character) with a line per field."""
    raw = source.encode("utf-8") if isinstance(source, str) else source
    lower = filename.lower()
    if lower.endswith((".yaml", ".yml", ".json")):
        fmt = "json" if lower.endswith(".json") else "yaml"
    else:
        fmt = "json" if raw.lstrip(codecs.BOM_UTF8).lstrip()[:1] in (b"{", b"[") else "yaml"
    data = load_document(raw, fmt=fmt, name=filename)
    lines: dict[str, int] = {}
    errors: list[ErrorDetail] = []
    try:  # JSON is nearly always valid YAML too, so both get line marks from the YAML composer
        node = yaml.compose(raw.decode("utf-8-sig"), Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        node = None
    if node is not None:
        _walk(node, "", lines, errors, filename)
    if errors and fmt == "yaml":  # JSON resolves a repeated key the JSON way: the last wins
        raise DomainError.many(errors)
    return ProjectFile(data=data, lines=lines, filename=filename)


# --- validation -------------------------------------------------------------------------------


class _Checker:
    def __init__(self, pf: ProjectFile) -> None:
        self.pf = pf
        self.errors: list[ErrorDetail] = []

    def error(self, path: str, message: str, code: str = "invalid") -> None:
        probe = path
        while probe and probe not in self.pf.lines:
            probe = _parent(probe)
        line = self.pf.lines.get(probe) if self.pf.lines else None
        self.errors.append(ErrorDetail(message, path or None, line, self.pf.filename, code))

    def text(self, obj: dict, key: str, path: str, *, required=False, max_length=None) -> Any:
        if key not in obj or obj[key] is None:
            if required:
                self.error(path, "is required", "required")
            return None
        value = obj[key]
        if not isinstance(value, str):
            self.error(path, f"must be text, got {_kind(value)}")
            return None
        value = value.strip()
        if required and not value:
            self.error(path, "must not be empty", "required")
        if max_length and len(value) > max_length:
            self.error(path, f"must be at most {max_length} characters, got {len(value)}")
        return value

    def integer(self, obj: dict, key: str, path: str, lo=None, hi=None) -> int | None:
        value = obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, f"must be an integer, got {_kind(value)}")
            return None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            self.error(path, f"must be from {lo} to {hi}, got {value}")
            return None
        return value

    def number(self, obj: dict, key: str, path: str, lo: float, hi: float) -> float | None:
        value = obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(path, f"must be a number, got {_kind(value)}")
            return None
        if not lo <= value <= hi:
            self.error(path, f"must be from {lo:g} to {hi:g}, got {value:g}")
            return None
        return float(value)

    def boolean(self, obj: dict, key: str, path: str) -> bool | None:
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.error(path, f"must be true or false, got {_kind(value)}")
            return None
        return value

    def unknown(self, obj: dict, allowed: set[str], prefix: str) -> None:
        for key in obj:
            if key not in allowed:
                self.error(
                    f"{prefix}{key}",
                    "is not a known field; expected one of " + ", ".join(sorted(allowed)),
                    "unknown",
                )


def _parent(path: str) -> str:
    if path.endswith("]"):
        return path[: path.rindex("[")]
    return path.rsplit(".", 1)[0] if "." in path else ""


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "text",
        bool: "true/false",
        type(None): "null",
    }.get(type(value), f"{type(value).__name__} {value!r}")


def _criterion(c: _Checker, raw: Any, path: str, seen: set[str]) -> dict | None:
    if not isinstance(raw, dict):
        c.error(path, f"must be an object, got {_kind(raw)}")
        return None
    c.unknown(raw, CRITERION_FIELDS, f"{path}.")
    key = c.text(raw, "key", f"{path}.key", required=True, max_length=64)
    if key:
        if not SLUG_RE.match(key):
            c.error(f"{path}.key", f"must be letters, digits, - or _, got {key!r}")
        elif key in seen:
            c.error(f"{path}.key", f"{key!r} is used by an earlier criterion")
        seen.add(key)
    spec = {
        "key": key,
        "label": c.text(raw, "label", f"{path}.label", required=True, max_length=300),
        "guidance": c.text(raw, "guidance", f"{path}.guidance") or "",
        "kind": raw.get("kind"),
        "min_value": None,
        "max_value": None,
        "labels": {},
        "choices": [],
        "points": None,
        "axis": c.text(raw, "axis", f"{path}.axis") or "",
        "allow_na": c.boolean(raw, "allow_na", f"{path}.allow_na") or False,
    }
    kind = spec["kind"]
    if kind is None:
        c.error(f"{path}.kind", "is required: binary, ordinal, nominal or points", "required")
        return None
    if kind not in Criterion.Kind.values:
        c.error(f"{path}.kind", f"must be binary, ordinal, nominal or points, got {kind!r}")
        return None
    if spec["axis"] and spec["axis"] not in Axis.values:
        c.error(f"{path}.axis", f"must be one of {', '.join(Axis.values)}, got {spec['axis']!r}")
    for name, only in KIND_ONLY.items():
        if raw.get(name) is not None and kind != only:
            c.error(f"{path}.{name}", f"applies only to {only} criteria, not {kind}")
    if kind == "ordinal":
        lo = c.integer(raw, "min", f"{path}.min", -1000, 1000)
        hi = c.integer(raw, "max", f"{path}.max", -1000, 1000)
        for name in ("min", "max"):
            if raw.get(name) is None:
                c.error(f"{path}.{name}", "is required for an ordinal criterion", "required")
        if lo is not None and hi is not None:
            if hi <= lo:
                c.error(f"{path}.max", f"must be greater than min ({lo}), got {hi}")
            else:
                spec["labels"] = _labels(c, raw.get("labels"), f"{path}.labels", lo, hi)
        spec["min_value"], spec["max_value"] = lo, hi
    elif kind == "nominal":
        choices = raw.get("choices")
        if not isinstance(choices, list) or len(choices) < 2:
            c.error(f"{path}.choices", "must be a list of at least two choices", "required")
        elif not all(isinstance(x, str) and x.strip() for x in choices):
            c.error(f"{path}.choices", "must all be non-empty text")
        elif len(set(choices)) != len(choices):
            c.error(f"{path}.choices", "must not repeat a choice")
        else:
            spec["choices"] = [x.strip() for x in choices]
    elif kind == "points":
        if raw.get("points") is None:
            c.error(
                f"{path}.points", "is required for a points criterion (-10..10, not 0)", "required"
            )
        points = c.integer(raw, "points", f"{path}.points", -10, 10)
        if points == 0:
            c.error(f"{path}.points", "must not be 0 (use -10..-1 or 1..10)")
        spec["points"] = points
    return spec


def _labels(c: _Checker, raw: Any, path: str, lo: int, hi: int) -> dict[str, str]:
    if raw is None:
        return {}
    if isinstance(raw, list):
        if len(raw) != hi - lo + 1:
            c.error(path, f"as a list must have {hi - lo + 1} labels ({lo}..{hi}), got {len(raw)}")
            return {}
        raw = {str(lo + i): label for i, label in enumerate(raw)}
    if not isinstance(raw, dict):
        c.error(path, f"must be an object of value to label, got {_kind(raw)}")
        return {}
    out: dict[str, str] = {}
    for key, label in raw.items():
        text = str(key).strip()
        if not text.lstrip("-").isdigit() or not lo <= int(text) <= hi:
            c.error(f"{path}.{key}", f"must be a value from {lo} to {hi}")
        elif not isinstance(label, str):
            c.error(f"{path}.{key}", f"must be text, got {_kind(label)}")
        else:
            out[str(int(text))] = label.strip()
    return dict(sorted(out.items(), key=lambda kv: int(kv[0])))


HOST_RE = re.compile(
    r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$"
)


def _image_hosts(c: _Checker, raw: Any) -> list[str] | None:
    """`image_hosts`: host names (no scheme, path or wildcard) the review page may load images
    from over https."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(h, str) for h in raw):
        c.error("image_hosts", "must be a list of host names, e.g. [images.example.org]")
        return None
    hosts = []
    for index, host in enumerate(raw):
        host = host.strip().lower()
        if not HOST_RE.match(host):
            c.error(
                f"image_hosts[{index}]",
                f"must be a host name such as images.example.org, got {host!r}",
            )
        hosts.append(host)
    return sorted(set(hosts))


def project_validate(pf: ProjectFile) -> dict:
    """Every field checked; raises one DomainError naming file, line and field of each problem."""
    c = _Checker(pf)
    data = pf.data
    if not isinstance(data, dict):
        c.error("", f"must be an object with slug, name and rubric, got {_kind(data)}")
        raise DomainError.many(c.errors)
    c.unknown(data, TOP_FIELDS, "")
    out: dict[str, Any] = {"slug": c.text(data, "slug", "slug", required=True, max_length=64)}
    if out["slug"] and not SLUG_RE.match(out["slug"]):
        c.error("slug", f"must be letters, digits, - or _, got {out['slug']!r}")
    out["name"] = c.text(data, "name", "name", required=True, max_length=200)
    out["guidelines"] = c.text(data, "guidelines", "guidelines")
    out["overlap"] = c.integer(data, "overlap", "overlap", 1, 50)
    out["specialty_match"] = c.boolean(data, "specialty_match", "specialty_match")
    out["gold_rate"] = c.number(data, "gold_rate", "gold_rate", 0, 1)
    out["consensus_threshold"] = c.number(data, "consensus_threshold", "consensus_threshold", 0, 1)
    out["lease_minutes"] = c.integer(data, "lease_minutes", "lease_minutes", 1, 7 * 24 * 60)
    out["image_hosts"] = _image_hosts(c, data.get("image_hosts"))
    out["status"] = data.get("status")
    if out["status"] is not None and out["status"] not in Project.Status.values:
        c.error(
            "status", f"must be one of {', '.join(Project.Status.values)}, got {out['status']!r}"
        )
    _comparison(c, data, out)
    out["criteria_validators"] = c.integer(
        data, "criteria_validators", "criteria_validators", 1, 20
    )
    out["criteria_agree_share"] = c.number(
        data, "criteria_agree_share", "criteria_agree_share", 0, 1
    )
    cohorts = data.get("cohorts")
    out["cohorts"] = None
    if cohorts is not None:
        if not isinstance(cohorts, list) or not all(isinstance(s, str) for s in cohorts):
            c.error("cohorts", "must be a list of cohort slugs")
        else:
            found = set(Cohort.objects.filter(slug__in=cohorts).values_list("slug", flat=True))
            for index, slug in enumerate(cohorts):
                if slug not in found:
                    c.error(f"cohorts[{index}]", f"no cohort with slug {slug!r}", "unknown")
            out["cohorts"] = sorted(set(cohorts))
    rubric = data.get("rubric")
    if rubric is None and out["kind"] == Project.Kind.COMPARISON:
        rubric = _comparison_rubric(out)
    if not isinstance(rubric, dict):
        c.error(
            "rubric",
            "is required: an object with name and criteria"
            if rubric is None
            else f"must be an object, got {_kind(rubric)}",
            "required",
        )
    else:
        c.unknown(rubric, RUBRIC_FIELDS, "rubric.")
        family = c.text(rubric, "family", "rubric.family", max_length=100)
        if family and not SLUG_RE.match(family):
            c.error("rubric.family", f"must be letters, digits, - or _, got {family!r}")
        criteria_raw = rubric.get("criteria")
        criteria: list = []
        if not isinstance(criteria_raw, list) or not criteria_raw:
            c.error("rubric.criteria", "must be a non-empty list of criteria", "required")
        else:
            seen: set[str] = set()
            for i, raw in enumerate(criteria_raw):
                criteria.append(_criterion(c, raw, f"rubric.criteria[{i}]", seen))
        out["rubric"] = {
            "family": family or out["slug"],
            "name": c.text(rubric, "name", "rubric.name", required=True, max_length=200),
            "description": c.text(rubric, "description", "rubric.description") or "",
            "criteria": criteria,
        }
    if c.errors:
        raise DomainError.many(c.errors[:50])
    return out


def _comparison(c: _Checker, data: dict, out: dict) -> None:
    """kind, axes and allow_ties: axes are only for comparison projects, which need at least one."""
    kind = data.get("kind")
    if kind is not None and kind not in Project.Kind.values:
        c.error("kind", f"must be one of {', '.join(Project.Kind.values)}, got {kind!r}")
    out["kind"] = kind
    out["allow_ties"] = c.boolean(data, "allow_ties", "allow_ties")
    out["comparison_axes"] = None
    raw = data.get("axes")
    if kind != Project.Kind.COMPARISON:
        for name in ("axes", "allow_ties"):
            if data.get(name) is not None:
                c.error(name, "applies only to projects of kind: comparison")
        return
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        c.error("axes", f"must be a list of {{key, label, guidance}}, got {_kind(raw)}")
        return
    axes: list[dict] = []
    seen = {"overall"}
    for i, item in enumerate(raw):
        path = f"axes[{i}]"
        if not isinstance(item, dict):
            c.error(path, f"must be an object with key and label, got {_kind(item)}")
            continue
        c.unknown(item, AXIS_FIELDS, f"{path}.")
        key = c.text(item, "key", f"{path}.key", required=True, max_length=64)
        if key and not SLUG_RE.match(key):
            c.error(f"{path}.key", f"must be letters, digits, - or _, got {key!r}")
        elif key in seen:
            c.error(f"{path}.key", f"{key!r} is reserved or used by an earlier axis")
        seen.add(key)
        label = c.text(item, "label", f"{path}.label", required=True, max_length=300)
        guidance = c.text(item, "guidance", f"{path}.guidance") or ""
        axes.append({"key": key, "label": label, "guidance": guidance})
    out["comparison_axes"] = axes


def _comparison_rubric(out: dict) -> dict:
    """A comparison project without rubric criteria records its axes as its rubric."""
    items = [{"key": "overall", "label": "Overall preference"}]
    for axis in out["comparison_axes"] or []:
        if axis["key"] and axis["key"] not in {i["key"] for i in items}:
            items.append(axis)
    return {
        "name": f"{out['name'] or out['slug']} (comparison)",
        "criteria": [
            {
                "key": item["key"],
                "label": f"Preferred response: {item['label']}",
                "guidance": item.get("guidance", ""),
                "kind": "binary",
            }
            for item in items
            if item.get("key") and item.get("label")
        ],
    }
