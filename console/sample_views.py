"""The sample browser: /console/samples/ for admins and leads, and one sample's page with the
administrator's actions (release, redact, requeue, gold).

Leads see the projects they lead, project admins the projects they run, Rounds admins every
project (`curation.access.browsable_projects`); only a project's administrators act
(`access.may_act_on_sample`). Reads go through `console.samples`, writes through the services.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from annotators.access import page_guard
from console import samples as selectors
from core.errors import Conflict, DomainError, NotFound
from curation import access
from curation.intake.services import sample_redact
from curation.reviewing.lifecycle import sample_release
from curation.reviewing.sample_actions import sample_gold_set, sample_requeue

browser_guard = page_guard(access.may_browse_samples, "The sample browser is for admins and leads.")


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@browser_guard
@require_GET
def sample_list(request):
    filters = selectors.SampleFilters.from_query(request.GET)
    page = selectors.samples_page(
        request.user,
        filters,
        before=_int(request.GET.get("before")),
        after=_int(request.GET.get("after")),
    )
    query = filters.as_query()
    return render(
        request,
        "console/samples.html",
        {
            "section": "samples",
            "filters": filters,
            "choices": selectors.filter_choices(request.user),
            "page": page,
            "query": urlencode(query),
            "older": urlencode({**query, "before": page.before}) if page.before else "",
            "newer": urlencode({**query, "after": page.after}) if page.after else "",
        },
    )


def _sample(request, sample_id: int):
    try:
        return selectors.sample_for_browser(request.user, sample_id)
    except NotFound:
        raise Http404("Sample not found.")


@browser_guard
@require_GET
def sample_detail(request, sample_id: int):
    sample = _sample(request, sample_id)
    return render(
        request,
        "console/sample_detail.html",
        {
            "section": "samples",
            "sample": sample,
            **selectors.sample_history(request.user, sample),
        },
    )


def _act(request, sample_id: int, action) -> object:
    sample = _sample(request, sample_id)
    if not access.may_act_on_sample(request.user, sample):
        raise PermissionDenied("Only the project's administrators act on its samples.")
    try:
        message = action(sample)
    except DomainError as exc:
        messages.error(request, " ".join(str(d) for d in exc.details) or str(exc))
    else:
        messages.success(request, message)
    return redirect("console-sample", sample_id=sample.pk)


@browser_guard
@require_POST
def sample_release_view(request, sample_id: int):
    def release(sample):
        sample_release(sample=sample, actor=request.user, note=request.POST.get("note", ""))
        return f"Sample {sample.external_id} released from quarantine."

    return _act(request, sample_id, release)


@browser_guard
@require_POST
def sample_redact_view(request, sample_id: int):
    def redact(sample):
        if not sample.quarantined:
            raise Conflict(
                f"Sample {sample.external_id} is not quarantined; nothing to redact here.",
                field="quarantined",
                code="not_quarantined",
            )
        find = request.POST.get("find", "")
        replacements = {find: request.POST.get("replace", "[redacted]")} if find else None
        sample = sample_redact(sample=sample, actor=request.user, replacements=replacements)
        if sample.quarantined:
            return f"Sample {sample.external_id} redacted; identifying text is still found."
        return f"Sample {sample.external_id} redacted and out of quarantine."

    return _act(request, sample_id, redact)


@browser_guard
@require_POST
def sample_requeue_view(request, sample_id: int):
    def requeue(sample):
        ended = sample_requeue(sample=sample, actor=request.user, note=request.POST.get("note", ""))
        return f"Sample {sample.external_id} is back in the queue ({ended} lease(s) ended)."

    return _act(request, sample_id, requeue)


@browser_guard
@require_POST
def sample_gold_view(request, sample_id: int):
    def gold(sample):
        on = request.POST.get("gold") == "yes"
        sample_gold_set(sample=sample, actor=request.user, gold=on, note=request.POST.get("note"))
        return f"Sample {sample.external_id} is {'now' if on else 'no longer'} a gold item."

    return _act(request, sample_id, gold)
