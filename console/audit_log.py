"""The audit log in words: a sentence per event, its changes as before -> after, friendly names.

Events are written by services with a dotted action (`physician.verified`) and the changed fields
as JSON. This module is the one place that turns them into what an admin reads: who did what to
what ("Ada Admin verified Dr Okafor's licence"), and each change with values a person recognises
(yes / no, dates, "—" for nothing). Unknown actions still read as a sentence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.dateparse import parse_datetime

# Object types, by the model label the audit log stores.
OBJECT_TYPES: dict[str, str] = {
    "annotators.physician": "Physician",
    "annotators.cohort": "Cohort",
    "annotators.cohortmembership": "Cohort membership",
    "auth.user": "User account",
    "curation.project": "Project",
    "curation.rubric": "Rubric",
    "curation.sample": "Sample",
    "curation.assignment": "Assignment (lease)",
    "curation.review": "Review",
    "curation.reviewdraft": "Review draft",
    "curation.agreementreport": "Agreement report",
    "curation.adjudication": "Adjudication",
    "curation.labelstudiolink": "Label Studio link",
    "exports.export": "Export",
    "exports.pipelinetoken": "Pipeline token",
    "core.apitoken": "Personal API token",
    "core.outboxmessage": "Queued job",
}

# action -> (what the filter calls it, the sentence after the actor; {obj} is the object).
ACTIONS: dict[str, tuple[str, str]] = {
    "physician.created": ("Physician added", "added the physician {obj}"),
    "physician.updated": ("Physician profile changed", "changed {obj}'s profile"),
    "physician.verified": ("Licence verified", "verified {obj}'s licence"),
    "physician.suspended": ("Physician suspended", "suspended {obj}"),
    "physician.reinstated": ("Physician reinstated", "reinstated {obj}"),
    "physician.invitation_sent": ("Invitation sent", "sent an invitation to {obj}"),
    "physician.invitation_accepted": ("Invitation accepted", "accepted the invitation as {obj}"),
    "physician.daily_cap_set": ("Daily cap set", "set {obj}'s daily cap"),
    "user.created": ("Account created", "created the account {obj}"),
    "cohort.created": ("Cohort created", "created the cohort {obj}"),
    "cohort.renamed": ("Cohort renamed", "renamed the cohort {obj}"),
    "cohort.archived": ("Cohort archived", "archived the cohort {obj}"),
    "cohort.member_added": ("Cohort member added", "added {obj}"),
    "cohort.member_removed": ("Cohort member removed", "removed {obj}"),
    "cohort.member_role_changed": ("Cohort role changed", "changed the role of {obj}"),
    "project.created": ("Project created", "created the project {obj}"),
    "project.updated": ("Project changed", "changed the project {obj}"),
    "project.paused": ("Project paused", "paused the project {obj}"),
    "project.resumed": ("Project resumed", "resumed the project {obj}"),
    "project.cap_set": ("Per-physician cap set", "set the per-physician cap of {obj}"),
    "rubric.version_created": ("Rubric version created", "created the rubric version {obj}"),
    "rubric.updated": ("Rubric changed", "changed the rubric {obj}"),
    "samples.import": ("Samples imported", "imported samples into {obj}"),
    "sample.update": ("Sample updated by an import", "updated the sample {obj}"),
    "sample.release": ("Sample released from quarantine", "released {obj} from quarantine"),
    "sample.redact": ("Sample redacted", "redacted {obj} and released it from quarantine"),
    "sample.adjudicated": ("Sample adjudicated", "adjudicated {obj}"),
    "assignment.lease": ("Sample taken for review", "took a sample for review ({obj})"),
    "assignment.renew": ("Lease renewed", "renewed the lease {obj}"),
    "assignment.release": ("Lease handed back", "handed back the lease {obj}"),
    "assignment.skip": ("Sample skipped", "skipped a sample ({obj})"),
    "assignment.expire": ("Lease expired", "let the lease {obj} expire"),
    "review.submit": ("Review submitted", "submitted a review ({obj})"),
    "review.amend": ("Review amended", "amended a review ({obj})"),
    "review.record": ("Review recorded", "recorded a review ({obj})"),
    "review_draft.create": ("Draft saved", "saved a draft ({obj})"),
    "reviews.import": ("Reviews imported", "imported reviews into {obj}"),
    "agreement.requested": ("Agreement report requested", "asked for an agreement report ({obj})"),
    "agreement.computed": ("Agreement report computed", "computed the agreement report {obj}"),
    "export.create": ("Export requested", "requested the export {obj}"),
    "export.build_start": ("Export build started", "started building the export {obj}"),
    "export.build": ("Export built", "built the export {obj}"),
    "export.fail": ("Export failed", "marked the export {obj} as failed"),
    "export.retry": ("Export retried", "retried the export {obj}"),
    "export.requeue": ("Export requeued", "requeued the stalled export {obj}"),
    "pipeline_token.create": ("Pipeline token created", "created the pipeline token {obj}"),
    "pipeline_token.revoke": ("Pipeline token revoked", "revoked the pipeline token {obj}"),
    "api_token.create": ("Personal API token created", "created the personal API token {obj}"),
    "api_token.revoke": ("Personal API token revoked", "revoked the personal API token {obj}"),
    "labelstudio.link": ("Linked to Label Studio", "linked {obj} to Label Studio"),
    "labelstudio.push": ("Pushed to Label Studio", "pushed {obj} to Label Studio"),
    "outbox.flush": ("Queued jobs published", "published queued jobs ({obj})"),
}

# The groups of the action filter: a prefix matches every action of the group.
ACTION_GROUPS: dict[str, str] = {
    "physician.": "Physicians",
    "cohort.": "Cohorts",
    "project.": "Projects",
    "rubric.": "Rubrics",
    "sample": "Samples",
    "assignment.": "Leases",
    "review": "Reviews",
    "agreement.": "Agreement",
    "export.": "Exports",
    "pipeline_token.": "Pipeline tokens",
    "api_token.": "Personal API tokens",
    "labelstudio.": "Label Studio",
}

SYSTEM = "Rounds (automatic)"


@dataclass
class Change:
    name: str
    before: str | None
    after: str | None


@dataclass
class LogLine:
    """One event as the log shows it."""

    event: object
    when: dt.datetime
    actor: str
    sentence: str
    action: str
    action_label: str
    object_type: str
    changes: list[Change] = field(default_factory=list)


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The action filter's options: a group, "any event of it", then each action of it."""
    groups = []
    for prefix, name in ACTION_GROUPS.items():
        options = [(prefix, f"Any: {name.lower()}")]
        options += [
            (code, label) for code, (label, _) in ACTIONS.items() if code.startswith(prefix)
        ]
        groups.append((name, options))
    return groups


def object_type_choices() -> list[tuple[str, str]]:
    return sorted(OBJECT_TYPES.items(), key=lambda kv: kv[1])


def actor_name(event) -> str:
    user = event.actor
    if user is not None:
        return user.get_full_name() or user.email or user.username
    if not event.actor_label or event.actor_label == "system":
        return SYSTEM
    return event.actor_label


def _humanise(action: str) -> str:
    noun, _, verb = action.partition(".")
    return f"{noun.replace('_', ' ')} {verb.replace('_', ' ')}".strip().capitalize()


def sentence(event) -> str:
    obj = event.object_repr or OBJECT_TYPES.get(event.object_type, "").lower() or "something"
    if event.action in ACTIONS:
        text = ACTIONS[event.action][1].format(obj=obj)
    else:
        text = f"{_humanise(event.action).lower()}: {obj}"
    return f"{actor_name(event)} {text}."


def friendly(value) -> str:
    """A stored value as a person reads it: yes / no, a date, a list, "—" for nothing."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return ", ".join(friendly(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{_field(k)}: {friendly(v)}" for k, v in value.items())
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        parsed = parse_datetime(value)
        if parsed is not None:
            if timezone.is_aware(parsed):
                parsed = timezone.localtime(parsed)
            return f"{parsed:%-d %b %Y, %H:%M}"
    return str(value)


def _field(key: str) -> str:
    return str(key).replace("_", " ").capitalize()


def changes(event) -> list[Change]:
    """What the event set: each field once, before -> after in words."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    out = []
    for key in dict.fromkeys([*before, *after]):
        old = friendly(before[key]) if key in before else None
        new = friendly(after[key]) if key in after else None
        if old is not None and old == new:
            continue
        out.append(Change(name=_field(key), before=old, after=new))
    return out


def log_lines(events) -> list[LogLine]:
    return [
        LogLine(
            event=event,
            when=event.created_at,
            actor=actor_name(event),
            sentence=sentence(event),
            action=event.action,
            action_label=ACTIONS.get(event.action, (_humanise(event.action), ""))[0],
            object_type=OBJECT_TYPES.get(event.object_type, event.object_type),
            changes=changes(event),
        )
        for event in events
    ]
