"""Who may do what with projects, samples and reviews, and the querysets those rules imply.

Defined once: the API's permission classes, the pages' guards, the selectors, the services'
guards and the navigation bar call these predicates. People's standing (suspended, unverified,
staff) comes from `annotators.access`; nothing here tests `is_staff` or a role by hand.

Reviewer eligibility (may this physician pull from this project) is not here: it lives with
assignment, where the fast path needs it as SQL.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from annotators.access import (
    holds_lead_seat,
    in_good_standing,
    is_admin,
    lead_memberships,
    standing_refusal,
)
from annotators.models import Physician

from .models import Assignment, Project, Review, Sample

# --- the reviewer API ------------------------------------------------------------------------


def may_use_review_api(user) -> bool:
    """Reads of the reviewer API: any physician (even suspended, to see their history) or staff."""
    if not (user is not None and user.is_authenticated):
        return False
    return is_admin(user) or Physician.objects.filter(user_id=user.pk).exists()


# --- administrators ---------------------------------------------------------------------------


def administered_projects(user) -> QuerySet[Project]:
    """Every project for a Rounds admin; the projects a user administers; none without standing."""
    if not (user is not None and user.is_authenticated) or not in_good_standing(user):
        return Project.objects.none()
    if is_admin(user):
        return Project.objects.all()
    return Project.objects.filter(admins=user)


def administers_any(user) -> bool:
    """A Rounds admin (even before any project exists), or the admin of at least one project."""
    return is_admin(user) or administered_projects(user).exists()


def is_project_admin(user, project: Project) -> bool:
    return administered_projects(user).filter(pk=project.pk).exists()


def can_import_samples(user, project: Project) -> bool:
    return is_project_admin(user, project)


def can_use_console(user) -> bool:
    """Rounds admins, and the admin of at least one project (for that project's pages)."""
    return is_admin(user) or administers_any(user)


# --- leads ------------------------------------------------------------------------------------


def led_projects(user) -> QuerySet[Project]:
    """Projects one of whose allowed, live cohorts has this user as a lead in good standing."""
    if not (user is not None and user.is_authenticated):
        return Project.objects.none()
    seats = lead_memberships(user).filter(cohort__projects=OuterRef("pk"))
    return Project.objects.filter(Exists(seats))


def is_lead(user) -> bool:
    return led_projects(user).exists()


def lead_refusal(user) -> str | None:
    """Why this user may not act as a lead now; None when they may."""
    if is_lead(user):
        return None
    if holds_lead_seat(user) and not in_good_standing(user):
        return standing_refusal(user)
    return "Only lead physicians can adjudicate."


def may_read_adjudication(user) -> bool:
    """The adjudication queue and samples: leads, and administrators (read only)."""
    return is_lead(user) or administers_any(user)


def browsable_projects(user) -> QuerySet[Project]:
    """Projects whose samples this user may browse: those they administer or lead (every project
    for a Rounds admin)."""
    led = led_projects(user).values("pk")
    return Project.objects.filter(
        Q(pk__in=administered_projects(user).values("pk")) | Q(pk__in=led)
    )


def may_browse_samples(user) -> bool:
    return is_admin(user) or browsable_projects(user).exists()


def may_act_on_sample(user, sample: Sample) -> bool:
    """Release, redact, requeue and mark gold: the project's administrators, never a lead alone."""
    return is_project_admin(user, sample.project)


# --- blindness --------------------------------------------------------------------------------

UNBLINDED = (Sample.Status.ADJUDICATION, Sample.Status.SETTLED)


def _live_lease(user, sample=None) -> QuerySet[Assignment]:
    return Assignment.objects.filter(
        sample=OuterRef("pk") if sample is None else sample,
        reviewer_id=user.pk,
        status=Assignment.Status.LEASED,
        expires_at__gt=timezone.now(),
    )


def holds_live_lease(user, sample: Sample) -> bool:
    return _live_lease(user, sample).exists()


def unblinded_samples(user) -> QuerySet[Sample]:
    """Samples whose reviews this user may read side by side.

    Only samples in adjudication or settled (no open sample is spoiled), in projects the user
    leads or administers, and never one the user holds a live lease on. Being staff, a project
    admin or a lead does not lift blindness.
    """
    if not (user is not None and user.is_authenticated):
        return Sample.objects.none()
    return Sample.objects.filter(
        Q(project__in=led_projects(user)) | Q(project__in=administered_projects(user)),
        status__in=UNBLINDED,
    ).exclude(Exists(_live_lease(user)))


def assignments_visible_to(user) -> QuerySet[Assignment]:
    """One's own assignments; a Rounds admin sees every one (never anyone's review through it)."""
    if is_admin(user):
        return Assignment.objects.all()
    return Assignment.objects.filter(reviewer_id=user.pk)


def shows_draft(user, assignment: Assignment) -> bool:
    """A draft is a review in progress on an open sample: only its own author reads it."""
    return assignment.reviewer_id == user.pk


def reviews_visible_to(user) -> QuerySet[Review]:
    """One's own reviews; for a Rounds admin, also others' reviews of samples shown unblinded."""
    own = Q(reviewer_id=user.pk)
    if is_admin(user):
        return Review.objects.filter(own | Q(sample__in=unblinded_samples(user)))
    return Review.objects.filter(own)


# --- conflict of interest ---------------------------------------------------------------------

REVIEWED_IT = "You reviewed this sample, so another lead must decide it."


def reviewed(user, sample: Sample) -> bool:
    return Review.objects.filter(sample=sample, reviewer_id=user.pk).exists()


def adjudication_refusal(user, sample: Sample) -> str | None:
    """Why this lead may not decide this sample (None when they may): nobody judges their own."""
    return REVIEWED_IT if reviewed(user, sample) else None


def with_decider(samples: QuerySet[Sample], user) -> QuerySet[Sample]:
    """Annotate `reviewed_by_me`: the user reviewed it, so another lead must decide it."""
    mine = Review.objects.filter(sample=OuterRef("pk"), reviewer_id=user.pk)
    return samples.annotate(reviewed_by_me=Exists(mine))


# --- frozen reviews ---------------------------------------------------------------------------


def amend_refusal(sample: Sample) -> tuple[str, str] | None:
    """(code, message) when the sample's reviews are frozen; None while it is open.

    Once a sample leaves `open` the reviewers may have been shown each other's reviews (in
    adjudication), so no review of it changes any more.
    """
    if sample.status == Sample.Status.OPEN:
        return None
    if sample.status == Sample.Status.SETTLED:
        return "settled", "This sample is settled; its reviews can no longer be amended."
    return (
        "reviews_frozen",
        f"This sample is {sample.get_status_display().lower()}: its reviews were frozen when "
        "review closed, so they can no longer be amended.",
    )
