"""The model leaderboard of a comparison project: Bradley-Terry strengths with 95% intervals as an
inline SVG chart, overall and per axis, the position-bias figure and the agreement figures.

Same door as every console project page (staff, or an admin of the project; the same 404 for a
missing project, one not yours, and one that is not a comparison project).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from console import selectors
from console.views import console_required
from core.errors import NotFound
from curation.comparisons.report import comparison_report

CHART_W, ROW_H, LABEL_W, PAD = 560, 26, 150, 12


def strength_chart(rows: list[dict]) -> dict | None:
    """A forest plot: one row per model, a dot at its strength, a bar over its interval."""
    if not rows:
        return None
    low = min(r["ci_low"] for r in rows)
    high = max(r["ci_high"] for r in rows)
    low, high = min(low, 0.0), max(high, 0.0)
    span = (high - low) or 1.0
    width = CHART_W - LABEL_W - 2 * PAD

    def x(value: float) -> float:
        return round(LABEL_W + PAD + (value - low) / span * width, 1)

    return {
        "width": CHART_W,
        "height": ROW_H * len(rows) + 2 * PAD,
        "zero": x(0.0),
        "rows": [
            {
                **r,
                "y": PAD + ROW_H * i + ROW_H // 2,
                "x": x(r["strength"]),
                "x_low": x(r["ci_low"]),
                "x_high": x(r["ci_high"]),
            }
            for i, r in enumerate(rows)
        ],
        "label_x": LABEL_W - 6,
    }


@console_required
@require_GET
def project_leaderboard(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        project = selectors.project_for_console(request.user, slug)
    except NotFound:
        raise Http404("No such project.")
    if not project.is_comparison:
        raise Http404("This project does not compare responses.")
    report = comparison_report(project)
    names = {
        u.pk: u.get_full_name() or u.email
        for u in get_user_model().objects.filter(
            pk__in=[p["reviewer_id"] for p in report["physicians"]]
        )
    }
    physicians = [{**p, "name": names.get(p["reviewer_id"], "?")} for p in report["physicians"]]
    boards = [
        {
            "key": key,
            "label": "Overall" if key == "overall" else key,
            "chart": strength_chart(rows),
            "rows": rows,
            "agreement": report["agreement"].get(key),
        }
        for key, rows in report["models"].items()
    ]
    context = {
        "project": project,
        "report": report,
        "boards": boards,
        "bias": report["position_bias"],
        "physicians": physicians,
        "section": "projects",
    }
    return render(request, "console/leaderboard.html", context)
