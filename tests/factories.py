"""factory_boy factories for every model the tests build; one place."""

from __future__ import annotations

import hashlib

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from annotators.models import Cohort, CohortMembership, Physician, Specialty
from curation.models import Criterion, Project, Rubric, Sample


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}@rounds.test")
    email = factory.LazyAttribute(lambda o: o.username)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct-horse-battery")


def specialty(code: str) -> Specialty:
    return Specialty.objects.get(code=code)


class PhysicianFactory(factory.django.DjangoModelFactory):
    """An active, verified physician; pass `specialties=["cardiology"]`."""

    class Meta:
        model = Physician

    user = factory.SubFactory(UserFactory)
    licence_number = factory.Sequence(lambda n: f"LIC{n:06d}")
    licence_jurisdiction = "CA"
    status = Physician.Status.ACTIVE
    verification = Physician.Verification.VERIFIED
    verified_by = factory.SubFactory(UserFactory, is_staff=True)
    verified_at = factory.LazyFunction(timezone.now)
    years_in_practice = 10

    @factory.post_generation
    def specialties(self, create, extracted, **kwargs):
        if create and extracted:
            self.specialties.set([specialty(code) for code in extracted])


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"cohort-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


def join(cohort: Cohort, physician: Physician, role: str = "reviewer") -> CohortMembership:
    return CohortMembership.objects.create(cohort=cohort, physician=physician, role=role)


class RubricFactory(factory.django.DjangoModelFactory):
    """A rubric with one criterion of every kind."""

    class Meta:
        model = Rubric

    family = factory.Sequence(lambda n: f"rubric-{n}")
    name = "Clinical quality"
    version = 1

    @factory.post_generation
    def criteria(self, create, extracted, **kwargs):
        if not create:
            return
        specs = extracted if extracted is not None else DEFAULT_CRITERIA
        for position, spec in enumerate(specs):
            Criterion.objects.create(rubric=self, position=position, **spec)


DEFAULT_CRITERIA = [
    {"key": "accurate", "label": "Medically accurate", "kind": "binary", "axis": "accuracy"},
    {
        "key": "completeness",
        "label": "Completeness",
        "kind": "ordinal",
        "min_value": 1,
        "max_value": 5,
        "labels": {"1": "Missing essentials", "5": "Complete"},
        "axis": "completeness",
    },
    {
        "key": "urgency",
        "label": "Urgency conveyed",
        "kind": "nominal",
        "choices": ["emergent", "urgent", "routine"],
        "axis": "safety",
    },
    {
        "key": "advises_er",
        "label": "Advises emergency care when red flags are present",
        "kind": "points",
        "points": 8,
        "axis": "safety",
        "allow_na": True,
    },
]


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"project-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    rubric = factory.SubFactory(RubricFactory)
    overlap = 3
    specialty_match = True
    gold_rate = 0.0

    @factory.post_generation
    def cohorts(self, create, extracted, **kwargs):
        if create and extracted:
            self.cohorts.set(extracted)


class SampleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sample

    project = factory.SubFactory(ProjectFactory)
    external_id = factory.Sequence(lambda n: f"s-{n:05d}")
    messages = factory.LazyAttribute(
        lambda o: [
            {"role": "user", "content": f"Question {o.external_id}: is this chest pain serious?"}
        ]
    )
    reasoning = "Consider acute coronary syndrome first."
    answer = "Call emergency services if the pain is crushing or spreads to the arm."
    specialty = factory.LazyFunction(lambda: specialty("cardiology"))
    content_hash = factory.LazyAttribute(
        lambda o: hashlib.sha256(f"{o.external_id}{o.answer}".encode()).hexdigest()
    )
    slots_open = factory.LazyAttribute(lambda o: o.project.overlap)
