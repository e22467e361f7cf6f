"""Pages: the admin's agreement dashboard, the lead's adjudication queue and decision page, and a
physician's own agreement. Presentation only; rules live in selectors and services."""

from __future__ import annotations

import difflib
import html

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from annotators.access import page_guard
from core.errors import DomainError, NotFound
from curation import access
from curation.agreement import adjudication_page as page
from curation.agreement import selectors
from curation.agreement.adjudication import adjudication_record
from curation.agreement.services import agreement_request
from curation.models import Criterion

CHART_WIDTH = 640
ROW_HEIGHT = 28
LABEL_WIDTH = 190
AXIS_MIN, AXIS_MAX = -0.2, 1.0


def _x(value: float) -> float:
    value = min(max(value, AXIS_MIN), AXIS_MAX)
    span = CHART_WIDTH - LABEL_WIDTH - 20
    return round(LABEL_WIDTH + (value - AXIS_MIN) / (AXIS_MAX - AXIS_MIN) * span, 1)


def alpha_chart(report) -> dict:
    """Rows of the per-criterion alpha chart (point and 95% interval), drawn as inline SVG."""
    rows = []
    entries = [*report.figures.get("criteria", [])]
    if report.figures.get("verdict"):
        entries.append(report.figures["verdict"])
    for i, entry in enumerate(entries):
        overall = entry["overall"]
        y = 20 + i * ROW_HEIGHT
        row = {
            "label": entry["key"],
            "y": y,
            "text_y": y + 4,
            "alpha": overall.get("alpha"),
            "level": entry.get("level"),
            "n": overall.get("n_items"),
        }
        if overall.get("alpha") is not None:
            row["cx"] = _x(overall["alpha"])
            row["x1"] = _x(
                overall.get("ci_low") if overall.get("ci_low") is not None else overall["alpha"]
            )
            row["x2"] = _x(
                overall.get("ci_high") if overall.get("ci_high") is not None else overall["alpha"]
            )
        rows.append(row)
    height = 40 + len(rows) * ROW_HEIGHT
    ticks = [{"x": _x(v), "label": f"{v:g}"} for v in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)]
    guides = [{"x": _x(v), "label": f"{v:g}"} for v in (0.667, 0.8)]
    return {
        "rows": rows,
        "height": height,
        "width": CHART_WIDTH,
        "ticks": ticks,
        "guides": guides,
        "axis_y": height - 14,
        "label_x": LABEL_WIDTH - 8,
    }


def trend_lines(trend: list[dict], keys: list[str]) -> dict:
    """One polyline per criterion across reports, on a 0..1 scale."""
    width, height = CHART_WIDTH, 160
    n = len(trend)
    lines = []
    for key in keys:
        points = []
        for i, point in enumerate(trend):
            value = point.get(key)
            if value is None:
                continue
            x = 40 + (i * (width - 60) / max(n - 1, 1))
            y = 10 + (1 - min(max(value, 0.0), 1.0)) * (height - 30)
            points.append(f"{x:.1f},{y:.1f}")
        lines.append(
            {"key": key, "points": " ".join(points), "last": trend[-1].get(key) if trend else None}
        )
    return {"lines": lines, "width": width, "height": height, "n": n}


def word_diff(before: str, after: str) -> str:
    """The correction as a word diff of the model's answer: <del> removed, <ins> added."""
    old, new = (before or "").split(), (after or "").split()
    out = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(html.escape(" ".join(old[a1:a2])))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{html.escape(' '.join(old[a1:a2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{html.escape(' '.join(new[b1:b2]))}</ins>")
    return mark_safe(" ".join(out))  # noqa: S308 - every piece is escaped above


@login_required
@require_http_methods(["GET", "POST"])
@page_guard(access.administers_any, "The agreement dashboard is for project admins.")
def dashboard(request, slug: str):
    try:
        project = selectors.project_for_admin(request.user, slug)
    except NotFound:
        raise Http404("Project not found.")
    if request.method == "POST":
        agreement_request(project=project, actor=request.user)
        messages.success(request, "Agreement recomputation queued; refresh in a moment.")
        return redirect("agreement-dashboard", slug=project.slug)
    report = selectors.latest_report(project)
    sort = request.GET.get("sort", "agreement")
    keys = [c["key"] for c in report.figures.get("criteria", [])] + ["verdict"] if report else []
    context = {
        "project": project,
        "report": report,
        "chart": alpha_chart(report) if report else None,
        "trend": trend_lines(selectors.alpha_trend(project), keys) if report else None,
        "physicians": selectors.physician_table(report, sort),
        "sort": sort,
        "sorts": list(selectors.PHYSICIAN_SORTS),
        "queue_size": selectors.adjudication_queue_size(project),
        "runs": selectors.reports_for_project(project)[:10],
    }
    return render(request, "agreement/dashboard.html", context)


@login_required
@require_GET
@page_guard(access.may_read_adjudication, "Only lead physicians and admins see adjudication.")
def queue(request):
    samples = selectors.adjudication_queue(request.user)[:200]
    return render(
        request,
        "agreement/queue.html",
        {
            "samples": samples,
            "reviewed_it": access.REVIEWED_IT,
            "is_lead": access.is_lead(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@page_guard(access.may_read_adjudication, "Only lead physicians can adjudicate.")
def decide(request, sample_id: int):
    try:
        sample = selectors.sample_for_adjudication(request.user, sample_id)
    except NotFound:
        raise Http404("Sample not found.")
    lead_refusal = access.lead_refusal(request.user) or access.adjudication_refusal(
        request.user, sample
    )
    errors = []
    if request.method == "POST" and lead_refusal:
        raise PermissionDenied(lead_refusal)
    if request.method == "POST":
        grades = {
            key.removeprefix("grade-"): value
            for key, value in request.POST.items()
            if key.startswith("grade-")
        }
        try:
            adjudication_record(
                sample=sample,
                lead=request.user,
                grades=grades,
                verdict=request.POST.get("verdict", ""),
                final_answer=request.POST.get("final_answer", ""),
                note=request.POST.get("note", ""),
            )
        except NotFound:
            raise Http404("Sample not found.")
        except DomainError as exc:
            errors = [str(d) for d in exc.details]
        else:
            messages.success(request, f"Sample {sample.external_id} settled by adjudication.")
            return redirect("adjudication-queue")
    reviews = list(sample.reviews.all())
    criteria = list(
        Criterion.objects.filter(rubric_id=sample.project.rubric_id).order_by("position")
    )
    posted = request.POST if request.method == "POST" else None
    consensus = getattr(sample, "consensus", None)
    context = {
        "sample": sample,
        "reviews": [
            {
                "review": r,
                "diff": word_diff(sample.answer, r.corrected_answer)
                if r.corrected_answer
                else None,
            }
            for r in reviews
        ],
        "rows": page.comparison(sample, criteria, reviews),
        "consensus": consensus,
        "confidence_means": page.CONFIDENCE_MEANS.get(consensus.report.method, "")
        if consensus
        else "",
        "fields": page.criteria_fields(sample, criteria, reviews, posted),
        "verdicts": page.VERDICTS,
        "verdict": page.default_verdict(sample, reviews, posted),
        "errors": errors,
        "posted": request.POST,
        "can_decide": sample.status == "adjudication" and not lead_refusal,
        "decide_note": lead_refusal if sample.status == "adjudication" else "",
    }
    return render(request, "agreement/decide.html", context, status=400 if errors else 200)


@login_required
@require_GET
def own(request):
    return render(
        request,
        "agreement/own.html",
        {
            "settled": selectors.own_agreement(request.user),
            "reports": selectors.own_quality(request.user),
        },
    )
