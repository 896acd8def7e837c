"""The policy register: loading it, what it holds, and what reporters are offered."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from policies import register
from policies.models import Policy, PolicyKind, PolicyVersion, Principle
from policies.services import principles_for_reporting, register_load, versions_in_force
from tests.factories import PolicyVersionFactory, PrincipleFactory

pytestmark = pytest.mark.django_db

TRUST_PRINCIPLES = [
    "Only use social media in your own time",
    "Make clear opinions are your own",
    "Setting up official service sites",
    "Openness and honesty",
    "Respect others",
    "Be aware that posts become public",
    "Get your facts right",
    "Defamation and confidential information",
    "Use of photos",
    "Protect patient confidentiality",
    "Adhere to other Trust policies",
    "Work accounts need a disclaimer and total separation from personal accounts",
]
HEALTHWATCH_PRINCIPLES = [
    "Nothing inappropriate, offensive or illegal",
    "Nothing that shows the organisation in a negative light",
    "Never reveal confidential information",
    "Never breach data protection or post photographs without permission",
    "No derogatory comments about colleagues, managers, business associates or clients",
    "No defamation",
    "Work e-mail only for business social media accounts",
]


def _counts() -> tuple[int, int, int]:
    return Policy.objects.count(), PolicyVersion.objects.count(), Principle.objects.count()


def _trust_version() -> PolicyVersion:
    return PolicyVersion.objects.get(policy__slug=register.TRUST_SOCIAL_MEDIA, version="6")


def test_first_load_creates_the_whole_register() -> None:
    result = register_load()

    assert result.created == {
        "policies": len(register.POLICIES),
        "versions": len(register.VERSIONS),
        "principles": sum(len(p) for p in register.PRINCIPLES.values()),
    }
    assert result.total_updated == 0
    assert _counts() == (
        result.created["policies"],
        result.created["versions"],
        result.created["principles"],
    )


def test_loading_twice_changes_nothing() -> None:
    register_load()
    before = _counts()

    again = register_load()

    assert _counts() == before
    assert again.total_created == 0
    assert again.total_updated == 0


def test_reloading_puts_back_an_edited_summary() -> None:
    register_load()
    principle = Principle.objects.get(title="Protect patient confidentiality")
    original = principle.summary
    Principle.objects.filter(pk=principle.pk).update(summary="Edited by hand.")

    result = register_load()

    principle.refresh_from_db()
    assert principle.summary == original
    assert result.updated == {"policies": 0, "versions": 0, "principles": 1}


def test_every_principle_named_in_the_domain_brief_is_present() -> None:
    register_load()

    trust = set(
        Principle.objects.filter(version__policy__slug=register.TRUST_SOCIAL_MEDIA).values_list(
            "title", flat=True
        )
    )
    healthwatch = set(
        Principle.objects.filter(
            version__policy__slug=register.HEALTHWATCH_SOCIAL_MEDIA
        ).values_list("title", flat=True)
    )
    assert set(TRUST_PRINCIPLES) <= trust
    assert set(HEALTHWATCH_PRINCIPLES) <= healthwatch


def test_principles_keep_their_register_order() -> None:
    register_load()

    titles = list(
        Principle.objects.filter(version__policy__slug=register.TRUST_SOCIAL_MEDIA)
        .order_by("position")
        .values_list("title", flat=True)
    )
    assert titles == [p.title for p in register.PRINCIPLES[(register.TRUST_SOCIAL_MEDIA, "6")]]
    assert Principle.objects.get(title="Only use social media in your own time").position == 1


def test_every_principle_has_a_summary_and_an_investigating_policy() -> None:
    register_load()

    for principle in Principle.objects.select_related("investigated_under"):
        assert principle.summary.strip(), principle.title
        assert principle.reference.startswith("§"), principle.title
        assert principle.investigated_under.kind in {
            PolicyKind.INVESTIGATING,
            PolicyKind.LEGISLATION,
        }


@pytest.mark.parametrize(
    ("title", "investigated_under"),
    [
        (
            "Protect patient confidentiality",
            "Code of Conduct for Employees in Respect of Confidentiality",
        ),
        ("Respect others", "Acceptable Standards of Behaviour Policy"),
        ("Defamation and confidential information", "Disciplinary Policy and Procedure"),
        ("Only use social media in your own time", "Internet and Email Policy"),
        ("Nothing inappropriate, offensive or illegal", "Diversity and Inclusion Policy"),
    ],
)
def test_breaches_go_to_the_policy_the_source_names(title: str, investigated_under: str) -> None:
    register_load()

    assert Principle.objects.get(title=title).investigated_under.title == investigated_under


def test_associated_documents_are_in_the_register() -> None:
    register_load()

    investigating = set(
        Policy.objects.filter(kind=PolicyKind.INVESTIGATING).values_list("title", flat=True)
    )
    legislation = set(
        Policy.objects.filter(kind=PolicyKind.LEGISLATION).values_list("title", flat=True)
    )
    assert {
        "Disciplinary Policy and Procedure",
        "Code of Conduct for Employees in Respect of Confidentiality",
        "Acceptable Standards of Behaviour Policy",
        "Equality and Inclusion Policy",
        "Internet and Email Policy",
        "Dignity at Work Policy",
        "Diversity and Inclusion Policy",
    } <= investigating
    assert legislation == {"Equality Act 2010", "Human Rights Act 1998"}
    assert all(Policy.objects.values_list("description", flat=True))


def test_trust_version_records_the_seed_metadata() -> None:
    register_load()

    version = _trust_version()
    assert version.ratified_on == dt.date(2016, 6, 29)
    assert version.expires_on == dt.date(2019, 6, 29)
    assert version.responsible_group == "Quality and Safety Committee"
    assert "Elizabeth Bond" in version.owner and "John Bagnall" in version.owner
    assert "hacw.nhs.uk" in version.source_document


def test_trust_version_has_no_identifier_and_says_why() -> None:
    register_load()

    version = _trust_version()
    assert version.unique_identifier == ""
    assert "no identifier" in version.notes


def test_trust_version_is_expired() -> None:
    register_load()

    version = _trust_version()
    assert version.is_expired()
    assert version.is_expired(today=dt.date(2019, 6, 30))
    assert not version.is_expired(today=dt.date(2019, 6, 29))
    assert version in PolicyVersion.objects.expired()


def test_healthwatch_version_has_no_dates_and_never_expires() -> None:
    register_load()

    version = PolicyVersion.objects.get(policy__slug=register.HEALTHWATCH_SOCIAL_MEDIA)
    assert version.version == "1"
    assert version.ratified_on is None and version.expires_on is None
    assert version.unique_identifier == ""
    assert version.owner == "Managing Director"
    assert not version.is_expired()
    assert version not in PolicyVersion.objects.expired()


def test_principles_for_reporting_covers_both_social_media_policies(
    django_assert_max_num_queries,
) -> None:
    register_load()

    with django_assert_max_num_queries(1):
        principles = list(principles_for_reporting())
        # select_related means reading these costs nothing more
        policies = {p.version.policy.slug for p in principles}
        investigating = {p.investigated_under.slug for p in principles}

    assert policies == {register.TRUST_SOCIAL_MEDIA, register.HEALTHWATCH_SOCIAL_MEDIA}
    assert register.DISCIPLINARY in investigating
    assert len(principles) == sum(len(p) for p in register.PRINCIPLES.values())


def test_principles_for_reporting_is_ordered_by_policy_then_position() -> None:
    register_load()

    keys = [(p.version.policy.title, p.position) for p in principles_for_reporting()]
    assert keys == sorted(keys)


def test_principles_for_reporting_query_count_does_not_grow_with_policies(
    django_assert_max_num_queries,
) -> None:
    register_load()
    for version in PolicyVersionFactory.create_batch(3):
        PrincipleFactory.create_batch(3, version=version)

    with django_assert_max_num_queries(1):
        principles = list(principles_for_reporting())
        [(p.version.policy.title, p.investigated_under.title) for p in principles]

    assert len({p.version.policy_id for p in principles}) == 5


def test_principles_for_reporting_uses_the_version_in_force_on_the_day() -> None:
    register_load()
    trust = Policy.objects.get(slug=register.TRUST_SOCIAL_MEDIA)
    newer = PolicyVersionFactory(
        policy=trust, version="7", ratified_on=dt.date(2020, 1, 1), expires_on=None
    )
    PrincipleFactory(version=newer, title="A rule from version 7")

    in_2018 = {p.title for p in principles_for_reporting(on=dt.date(2018, 1, 1))}
    in_2021 = {p.title for p in principles_for_reporting(on=dt.date(2021, 1, 1))}

    assert "Protect patient confidentiality" in in_2018
    assert "A rule from version 7" not in in_2018
    assert "A rule from version 7" in in_2021
    assert "Protect patient confidentiality" not in in_2021
    # Healthwatch's undated guidance is in force whatever the day.
    assert "No defamation" in in_2018 and "No defamation" in in_2021


def test_principles_for_reporting_leaves_out_investigating_policies() -> None:
    register_load()
    disciplinary = Policy.objects.get(slug=register.DISCIPLINARY)
    PrincipleFactory(
        version=PolicyVersionFactory(policy=disciplinary), title="Not a social media rule"
    )

    assert "Not a social media rule" not in {p.title for p in principles_for_reporting()}


def test_versions_in_force_after_ratification_include_the_trust_policy(
    django_assert_max_num_queries,
) -> None:
    register_load()

    with django_assert_max_num_queries(1):
        versions = versions_in_force(on=dt.date(2017, 1, 1))
        [v.policy.title for v in versions]

    assert _trust_version() in versions
    assert {v.policy.slug for v in versions} == {
        register.TRUST_SOCIAL_MEDIA,
        register.HEALTHWATCH_SOCIAL_MEDIA,
    }


def test_versions_in_force_before_ratification_exclude_the_trust_policy() -> None:
    register_load()

    versions = versions_in_force(on=dt.date(2015, 1, 1))

    assert _trust_version() not in versions
    assert [v.policy.slug for v in versions] == [register.HEALTHWATCH_SOCIAL_MEDIA]


def test_versions_in_force_gives_one_version_per_policy() -> None:
    register_load()
    trust = Policy.objects.get(slug=register.TRUST_SOCIAL_MEDIA)
    newer = PolicyVersionFactory(
        policy=trust, version="7", ratified_on=dt.date(2020, 1, 1), expires_on=None
    )

    versions = versions_in_force(on=dt.date(2021, 1, 1))

    assert newer in versions
    assert _trust_version() not in versions
    assert len(versions) == 2


def test_management_command_reports_counts() -> None:
    out = StringIO()
    call_command("load_policy_register", stdout=out)
    call_command("load_policy_register", stdout=out)

    lines = out.getvalue().splitlines()
    assert f"principles: {Principle.objects.count()} created, 0 updated" in lines
    assert lines[-1] == "Policy register loaded: 0 created, 0 updated."
