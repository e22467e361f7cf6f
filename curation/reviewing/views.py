"""Reviewer pages: my work, the review page, skip, drafts, and my submitted reviews.

Views are thin: each object comes through one selector (the same 404 for missing and forbidden),
each write through one service, and a DomainError goes back onto the page next to its field.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import jsonsafe
from core.errors import DomainError, NotFound
from curation.access import amend_refusal, shows_draft
from curation.models import Assignment, Project, Sample
from curation.models.review import SkipReason, Verdict
from curation.reviewing import selectors
from curation.reviewing.assignment import assignment_next, assignment_skip, physician_for_review
from curation.reviewing.forms import ReviewForm, SkipForm, draft_initial
from curation.reviewing.lifecycle import quarantined_error
from curation.reviewing.rendering import image_csp_sources, sample_images
from curation.reviewing.reviews import review_amend, review_draft_save, review_submit
from curation.reviewing.undo import assignment_undo
from curation.rubrics.options import grade_to_value

DRAFT_MAX_BYTES = 256 * 1024
UNDO_SESSION_KEY = "rounds_undo"


def _offer_undo(request: HttpRequest, kind: str) -> None:
    """The pages after a submit or skip offer to undo it, until the next one."""
    request.session[UNDO_SESSION_KEY] = kind


def _undo_offer(request: HttpRequest) -> str:
    return request.session.get(UNDO_SESSION_KEY, "")


def _project_or_404(user, slug: str) -> Project:
    try:
        return selectors.project_for_reviewer(user, slug)
    except NotFound:
        raise Http404("No such project.")


def _assignment_or_404(user, assignment_id: int) -> Assignment:
    try:
        return selectors.assignment_for_user(user, assignment_id)
    except NotFound:
        raise Http404("No such assignment.")


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    try:
        physician_for_review(request.user)
    except DomainError as error:
        cannot_review = error.message  # said up front, instead of after a click on Start
    else:
        cannot_review = ""
    projects = list(selectors.projects_for_reviewer(request.user))
    startable = [p for p in projects if p.status == Project.Status.ACTIVE]
    first = next((p for p in startable if p.my_leased or p.remaining), None)
    context = {
        "projects": projects,
        "stats": selectors.reviewer_stats(request.user),
        "cannot_review": cannot_review,
        "first_project": None if cannot_review else first or (startable[0] if startable else None),
    }
    return render(request, "curation/home.html", context)


@login_required
@require_GET
def project_guidelines(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_or_404(request.user, slug)
    criteria = project.rubric.criteria.all()
    return render(request, "curation/guidelines.html", {"project": project, "criteria": criteria})


@login_required
@require_http_methods(["GET", "POST"])
def project_next(request: HttpRequest, slug: str) -> HttpResponse:
    """POST leases the next sample and opens it; `assignment_next` hands back a live lease first,
    so a reload or a second tab never burns a sample. GET never leases (a prefetch or a crawler
    would): it opens the lease in hand, or shows the button that asks for the next sample."""
    project = _project_or_404(request.user, slug)
    if request.method == "GET":
        try:
            physician_for_review(request.user)
        except DomainError as error:
            context = {"project": project, "reason": error.message}
            return render(request, "curation/nothing_left.html", context, status=error.status)
        live = selectors.my_assignments(request.user, project, "live").first()
        if live is not None:
            return redirect("review", assignment_id=live.pk)
        return render(request, "curation/next.html", {"project": project})
    return lease_next(request, project)


def lease_next(request: HttpRequest, project: Project) -> HttpResponse:
    try:
        lease = assignment_next(user=request.user, project=project)
    except DomainError as error:
        context = {"project": project, "reason": error.message, "undo": _undo_offer(request)}
        return render(request, "curation/nothing_left.html", context, status=error.status)
    if lease is None:
        context = {"project": project, "reason": "", "undo": _undo_offer(request)}
        return render(request, "curation/nothing_left.html", context)
    if project.is_comparison:
        return redirect("comparison-review", assignment_id=lease.assignment.pk)
    return redirect("review", assignment_id=lease.assignment.pk)


def _criteria(project: Project) -> list:
    return list(project.rubric.criteria.all())


def _review_page(
    request: HttpRequest,
    assignment: Assignment,
    *,
    form: ReviewForm | None = None,
    skip_form: SkipForm | None = None,
    status: int = 200,
) -> HttpResponse:
    project: Project = assignment.project
    sample: Sample = assignment.sample
    draft = getattr(assignment, "draft", None) if shows_draft(request.user, assignment) else None
    draft_saved_at = None
    if form is None:
        initial, grades = draft_initial(draft.payload if draft else None)
        draft_saved_at = draft.updated_at if draft and (initial or grades) else None
        form = ReviewForm(initial=initial, criteria=_criteria(project), grades=grades)
    correction = form["corrected_answer"].value()
    context = {
        "assignment": assignment,
        "project": project,
        "rubric": project.rubric,
        "sample": sample,
        "images": sample_images(sample.images, allowed_hosts=project.image_hosts),
        "form": form,
        "skip_form": skip_form or SkipForm(),
        "verdicts": Verdict.choices,
        "skip_reasons": SkipReason.choices,
        "original_answer": sample.answer,
        "correction_text": sample.answer if correction in (None, "") else correction,
        "draft_saved_at": draft_saved_at,
        "undo": _undo_offer(request),
    }
    return _with_image_hosts(
        render(request, "curation/review.html", context, status=status), project
    )


def _with_image_hosts(response: HttpResponse, project: Project) -> HttpResponse:
    """The page's Content-Security-Policy also lets images load from the project's hosts."""
    sources = image_csp_sources(project.image_hosts or [])
    if sources:
        response._csp_update = {"img-src": sources}
    return response


def _not_open(request: HttpRequest, assignment: Assignment) -> HttpResponse:
    """A submitted or skipped assignment: say so and move on."""
    if assignment.status == Assignment.Status.SUBMITTED:
        review = getattr(assignment, "review", None)
        if review is not None:
            messages.info(request, "You already reviewed this sample; here is your review.")
            return redirect("my-review", review_id=review.pk)
    elif assignment.status == Assignment.Status.SKIPPED:
        messages.info(request, "You skipped this sample; it went to another physician.")
    return redirect("project-next", slug=assignment.project.slug)


def _withheld(request: HttpRequest, assignment: Assignment) -> HttpResponse:
    """A quarantined sample: nothing of it is shown, and the physician moves on."""
    messages.warning(request, quarantined_error().message)
    return redirect("project-next", slug=assignment.project.slug)


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _assignment_or_404(request.user, assignment_id)
    if assignment.project.is_comparison:
        return redirect("comparison-review", assignment_id=assignment.pk)
    if assignment.sample.quarantined:
        return _withheld(request, assignment)
    finished = assignment.status in (Assignment.Status.SUBMITTED, Assignment.Status.SKIPPED)
    if request.method == "GET" or assignment.status == Assignment.Status.SKIPPED:
        return _not_open(request, assignment) if finished else _review_page(request, assignment)

    # A submitted assignment still goes to the service: a repeated submit (same client key) is
    # answered like the first one, so a double Ctrl+Enter lands on the next sample all the same.
    form = ReviewForm(request.POST, criteria=_criteria(assignment.project))
    if form.is_valid():
        try:
            review_submit(
                assignment_id=assignment.pk,
                user=request.user,
                client_key=form.cleaned_data.get("client_key") or "",
                source="web",
                **form.review_fields(),
            )
        except DomainError as error:
            if finished:
                return _not_open(request, assignment)
            form.add_domain_error(error)
        else:
            messages.success(request, "Review saved. Here is the next sample.")
            _offer_undo(request, "review")
            return lease_next(request, assignment.project)
    if finished:
        return _not_open(request, assignment)
    return _review_page(request, assignment, form=form, status=400)


@login_required
@require_POST
def review_skip(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _assignment_or_404(request.user, assignment_id)
    if assignment.sample.quarantined:
        return _withheld(request, assignment)
    skip_form = SkipForm(request.POST)
    if skip_form.is_valid():
        try:
            assignment_skip(
                assignment=assignment,
                user=request.user,
                reason=skip_form.cleaned_data["reason"],
                note=skip_form.cleaned_data["note"],
            )
        except DomainError as error:
            skip_form.add_error("reason" if error.field == "reason" else None, error.message)
        else:
            messages.info(request, "Skipped. The sample goes to another physician.")
            _offer_undo(request, "skip")
            return lease_next(request, assignment.project)
    if assignment.status in (Assignment.Status.SUBMITTED, Assignment.Status.SKIPPED):
        return _not_open(request, assignment)
    if assignment.project.is_comparison:
        messages.error(request, "Choose why you are skipping.")
        return redirect("comparison-review", assignment_id=assignment.pk)
    return _review_page(request, assignment, skip_form=skip_form, status=400)


@login_required
@require_POST
def review_undo(request: HttpRequest) -> HttpResponse:
    """Undo my last submit or skip and open that sample again."""
    request.session.pop(UNDO_SESSION_KEY, None)
    try:
        undone = assignment_undo(user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("home")
    if undone.kind == "review":
        messages.info(request, "Review undone: it is back as a draft. Change it and submit again.")
    else:
        messages.info(request, "Skip undone: the sample is yours again.")
    return redirect("review", assignment_id=undone.assignment_id)


@login_required
@require_POST
def review_draft(request: HttpRequest, assignment_id: int) -> JsonResponse:
    """Autosave: the page posts its form state as JSON a second after each change."""
    assignment = _assignment_or_404(request.user, assignment_id)
    if len(request.body) > DRAFT_MAX_BYTES:
        return JsonResponse(
            {"detail": f"The draft is larger than {DRAFT_MAX_BYTES // 1024} KB."}, status=413
        )
    try:
        payload = jsonsafe.loads(request.body or b"{}")
        if not isinstance(payload, dict):
            raise DomainError("The draft must be a JSON object.")
        draft = review_draft_save(assignment=assignment, user=request.user, payload=payload)
    except DomainError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    saved_at = getattr(draft, "updated_at", None)
    return JsonResponse({"saved_at": saved_at.isoformat() if saved_at else None})


@login_required
@require_GET
def my_reviews(request: HttpRequest) -> HttpResponse:
    reviews = selectors.my_reviews(request.user)
    page = Paginator(reviews, 50).get_page(request.GET.get("page"))
    return render(request, "curation/my_reviews.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def my_review(request: HttpRequest, review_id: int) -> HttpResponse:
    """My own review of a sample; I may amend it while the sample is open."""
    try:
        review = selectors.review_for_user(request.user, review_id)
    except NotFound:
        raise Http404("No such review.")
    if review.sample.quarantined:
        messages.warning(request, quarantined_error(field="review").message)
        return redirect("my-reviews")
    criteria = list(review.rubric.criteria.all())
    frozen = amend_refusal(review.sample)
    status = 200
    if request.method == "POST" and frozen:
        messages.error(request, frozen[1])
        status = 409
    if request.method == "POST" and not frozen:
        form = ReviewForm(request.POST, criteria=criteria)
        if form.is_valid():
            try:
                review_amend(review=review, user=request.user, **form.review_fields())
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, "Your review is amended; the earlier version is kept.")
                return redirect("my-review", review_id=review.pk)
        status = 400
    else:
        form = ReviewForm(
            initial={
                "verdict": review.verdict,
                "corrected_answer": review.corrected_answer,
                "rationale": review.rationale,
            },
            criteria=criteria,
            grades={c.key: grade_to_value(c, review.grades.get(c.key)) for c in criteria},
        )
    original = review.original_answer or review.sample.answer
    correction = form["corrected_answer"].value()
    context = {
        "review": review,
        "project": review.project,
        "rubric": review.rubric,
        "sample": review.sample,
        "images": sample_images(review.sample.images, allowed_hosts=review.project.image_hosts),
        "form": form,
        "verdicts": Verdict.choices,
        "original_answer": original,
        "correction_text": original if correction in (None, "") else correction,
        "readonly": bool(frozen),
        "frozen": frozen[1] if frozen else "",
        "next_url": reverse("my-reviews"),
    }
    return _with_image_hosts(
        render(request, "curation/my_review.html", context, status=status), review.project
    )
