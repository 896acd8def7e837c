"""The policy register in the admin, as the administrator sees it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from directory.models import User
from policies import register
from policies.models import Policy, PolicyVersion, Principle
from policies.services import register_load
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator() -> User:
    return UserFactory(first_name="Ada", last_name="Admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client_for_register(administrator: User, login) -> Client:
    register_load()
    return login(administrator)


@pytest.mark.parametrize("model", [Policy, PolicyVersion, Principle])
def test_administrator_can_open_the_changelist(
    admin_client_for_register: Client, model: type
) -> None:
    url = reverse(f"admin:policies_{model._meta.model_name}_changelist")

    response = admin_client_for_register.get(url)

    assert response.status_code == 200


@pytest.mark.parametrize("model", [Policy, PolicyVersion, Principle])
def test_administrator_can_open_a_change_page(
    admin_client_for_register: Client, model: type
) -> None:
    obj = model.objects.first()
    url = reverse(f"admin:policies_{model._meta.model_name}_change", args=[obj.pk])

    response = admin_client_for_register.get(url)

    assert response.status_code == 200


def test_administrator_can_open_the_add_pages(admin_client_for_register: Client) -> None:
    for model in (Policy, PolicyVersion, Principle):
        response = admin_client_for_register.get(
            reverse(f"admin:policies_{model._meta.model_name}_add")
        )
        assert response.status_code == 200


def test_policy_changelist_shows_the_current_version(admin_client_for_register: Client) -> None:
    response = admin_client_for_register.get(reverse("admin:policies_policy_changelist"))

    content = response.content.decode()
    assert "Current version" in content
    assert "Social Media Policy" in content


def test_version_changelist_flags_the_expired_trust_policy(
    admin_client_for_register: Client,
) -> None:
    response = admin_client_for_register.get(reverse("admin:policies_policyversion_changelist"))

    content = response.content.decode()
    assert "Expired" in content
    # The Trust version expired in 2019; the undated Healthwatch guidance never does.
    assert 'alt="True"' in content
    assert 'alt="False"' in content


def test_version_changelist_filters_to_expired_versions(admin_client_for_register: Client) -> None:
    response = admin_client_for_register.get(
        reverse("admin:policies_policyversion_changelist"), {"expired": "yes"}
    )

    assert response.status_code == 200
    assert [v.pk for v in response.context["cl"].result_list] == [
        PolicyVersion.objects.get(policy__slug=register.TRUST_SOCIAL_MEDIA).pk
    ]


def test_principle_changelist_searches_summaries(admin_client_for_register: Client) -> None:
    response = admin_client_for_register.get(
        reverse("admin:policies_principle_changelist"), {"q": "X-rays"}
    )

    assert [p.title for p in response.context["cl"].result_list] == ["Use of photos"]


@pytest.mark.parametrize("model", [Policy, PolicyVersion, Principle])
def test_changelist_query_count_is_bounded(
    admin_client_for_register: Client, django_assert_max_num_queries, model: type
) -> None:
    # Sessions, user, permissions, counts, rows and filters: a fixed number, not one per row.
    with django_assert_max_num_queries(15):
        admin_client_for_register.get(
            reverse(f"admin:policies_{model._meta.model_name}_changelist")
        )


def test_staff_without_permission_is_refused(login) -> None:
    clerk = UserFactory(is_staff=True)

    response = login(clerk).get(reverse("admin:policies_policy_changelist"))

    assert response.status_code == 403


def test_non_staff_is_sent_to_log_in(outsider: User, login) -> None:
    response = login(outsider).get(reverse("admin:policies_policy_changelist"))

    assert response.status_code == 302
