"""The comparison page: the responses side by side in this physician's shuffled order, model names
hidden, a choice per axis and overall (keys 1-4, `=` for a tie), a rationale, Ctrl+Enter.

Leases, overlap, skips and blindness are the grading page's: the sample comes from
`assignment_next`, a skip posts to the grading page's skip view, and nothing of another
physician's judgment is ever read here.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.errors import DomainError, NotFound
from curation.comparisons.judgments import comparison_submit
from curation.comparisons.order import display_order
from curation.models import Assignment
from curation.models.comparison import TIE
from curation.models.review import SkipReason
from curation.reviewing import selectors
from curation.reviewing.lifecycle import quarantined_error
from curation.reviewing.views import lease_next

LETTERS = "ABCD"


def _criteria(project) -> list[dict]:
    return [
        {"key": "overall", "label": "Overall, which response is better?", "guidance": ""},
        *project.comparison_axes,
    ]


def _page(request, assignment: Assignment, *, posted=None, errors=None, status: int = 200):
    sample = assignment.sample
    project = assignment.project
    order = display_order(sample=sample, reviewer=request.user)
    by_key = {r.key: r for r in sample.responses.all()}
    shown = [
        {"key": key, "letter": LETTERS[i], "number": i + 1, "response": by_key[key]}
        for i, key in enumerate(order)
        if key in by_key
    ]
    posted = posted or {}
    errors = errors or {}
    criteria = [
        {
            **c,
            "field": f"choice_{c['key']}",
            "value": posted.get(f"choice_{c['key']}", ""),
            "error": errors.get("preferred" if c["key"] == "overall" else f"axes.{c['key']}"),
        }
        for c in _criteria(project)
    ]
    context = {
        "assignment": assignment,
        "project": project,
        "sample": sample,
        "shown": shown,
        "criteria": criteria,
        "tie": TIE,
        "allow_ties": project.allow_ties,
        "rationale": posted.get("rationale", ""),
        "general_errors": errors.get(None, []),
        "skip_reasons": SkipReason.choices,
    }
    return render(request, "curation/compare.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def comparison_review(request: HttpRequest, assignment_id: int) -> HttpResponse:
    try:
        assignment = selectors.assignment_for_user(request.user, assignment_id)
    except NotFound:
        raise Http404("No such assignment.")
    if not assignment.project.is_comparison:
        return redirect("review", assignment_id=assignment.pk)
    if assignment.sample.quarantined:
        messages.warning(request, quarantined_error().message)
        return redirect("project-next", slug=assignment.project.slug)
    if assignment.status != Assignment.Status.LEASED and request.method == "GET":
        return redirect("project-next", slug=assignment.project.slug)
    if request.method == "GET":
        return _page(request, assignment)
    order = display_order(sample=assignment.sample, reviewer=request.user)

    def chosen(name: str) -> str:
        """The page posts the place a response was shown in (1-4) or "tie"; never its id."""
        value = request.POST.get(f"choice_{name}", "")
        if value.isdigit() and 1 <= int(value) <= len(order):
            return order[int(value) - 1]
        return value

    axes = {a["key"]: chosen(a["key"]) for a in assignment.project.comparison_axes}
    axes = {key: value for key, value in axes.items() if value}  # unanswered: "is required"
    try:
        comparison_submit(
            assignment_id=assignment.pk,
            user=request.user,
            preferred=chosen("overall"),
            axes=axes,
            rationale=request.POST.get("rationale", ""),
        )
    except DomainError as error:
        errors: dict = {None: []}
        for detail in error.details:
            if detail.field in (None, "assignment"):
                errors[None].append(detail.message)
            else:
                errors.setdefault(detail.field, detail.message)
        return _page(request, assignment, posted=request.POST, errors=errors, status=400)
    messages.success(request, "Comparison saved. Here is the next one.")
    return lease_next(request, assignment.project)
