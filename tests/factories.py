"""Factories for every model the tests build. Starting states come from here."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from casework.models import Case, CaseState
from directory.models import Directorate, EmploymentType, Role, Service, User, role_group
from incidents.models import Answer, EvidenceLink, Platform, PosterKind, Report
from policies.models import Policy, PolicyKind, PolicyVersion, Principle

PASSWORD = "correct-horse-battery"


class DirectorateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Directorate
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Directorate {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    directorate = factory.SubFactory(DirectorateFactory)
    name = factory.Sequence(lambda n: f"Service {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"person{n}@trust.example.nhs.uk")
    job_title = "Staff nurse"
    employment_type = EmploymentType.PERMANENT
    service = factory.SubFactory(ServiceFactory)
    line_manager = None

    @factory.post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs: object) -> None:
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def roles(obj: User, create: bool, extracted: list[Role] | None, **kwargs: object) -> None:
        if create and extracted:
            for role in extracted:
                group = role_group(role)
                obj.groups.add(group)


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"policy-{n}")
    title = factory.Sequence(lambda n: f"Policy {n}")
    organisation = "The Trust"
    kind = PolicyKind.SOCIAL_MEDIA


class PolicyVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyVersion

    policy = factory.SubFactory(PolicyFactory)
    version = factory.Sequence(lambda n: str(n + 1))
    ratified_on = dt.date(2016, 6, 29)
    expires_on = dt.date(2019, 6, 29)


class PrincipleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Principle

    version = factory.SubFactory(PolicyVersionFactory)
    reference = "§5"
    title = factory.Sequence(lambda n: f"Principle {n}")
    summary = "Don't post things that identify a patient."
    investigated_under = factory.SubFactory(
        PolicyFactory, slug="disciplinary", title="Disciplinary Policy and Procedure", kind=PolicyKind.INVESTIGATING
    )


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"SMP-2026-{90000 + n:05d}")
    state = CaseState.NEW
    poster = None
    # As the services do: the poster's directorate, taken when they are identified.
    directorate = factory.LazyAttribute(
        lambda case: case.poster.service.directorate if case.poster and case.poster.service_id else None
    )


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    reference = factory.SelfAttribute("case.reference")
    case = factory.SubFactory(CaseFactory)
    reporter = factory.SubFactory(UserFactory)
    platform = Platform.FACEBOOK
    seen_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=2))
    description = "A photo of a ward with a patient's face visible."
    poster_kind = PosterKind.UNKNOWN
    shows_patient = Answer.YES
    welfare_risk = Answer.NO


class EvidenceLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvidenceLink

    report = factory.SubFactory(ReportFactory)
    url = factory.Sequence(lambda n: f"https://www.facebook.com/someone/posts/{n}")
    normalised_url = factory.LazyAttribute(lambda o: o.url.replace("www.", ""))
    platform = Platform.FACEBOOK
    added_by = factory.SelfAttribute("report.reporter")
