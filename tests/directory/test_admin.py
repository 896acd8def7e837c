"""The staff directory in the admin, used by a superuser over HTTP."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from directory.models import Directorate, EmploymentType, User
from tests.factories import ServiceFactory, UserFactory


@pytest.fixture
def superuser(db) -> User:
    return UserFactory(first_name="Ada", last_name="Admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client_for(superuser: User, login) -> Client:
    return login(superuser)


def test_superuser_sees_the_staff_list(
    admin_client_for: Client, reporter: User, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(12):
        response = admin_client_for.get(reverse("admin:directory_user_changelist"))

    assert response.status_code == 200
    assert reporter.email in response.content.decode()
    assert "Maya Manager" in response.content.decode()  # Rita's line manager


def test_staff_list_searches_names_and_filters_by_directorate(
    admin_client_for: Client, reporter: User
) -> None:
    url = reverse("admin:directory_user_changelist")

    by_name = admin_client_for.get(url, {"q": "Reporter"})
    by_directorate = admin_client_for.get(
        url, {"service__directorate__id__exact": reporter.service.directorate_id}
    )
    by_type = admin_client_for.get(url, {"employment_type__exact": EmploymentType.VOLUNTEER})

    assert list(by_name.context["cl"].result_list) == [reporter]
    assert list(by_directorate.context["cl"].result_list) == [reporter]
    assert list(by_type.context["cl"].result_list) == []


def test_superuser_opens_the_add_page(admin_client_for: Client) -> None:
    response = admin_client_for.get(reverse("admin:directory_user_add"))

    assert response.status_code == 200
    assert 'name="email"' in response.content.decode()
    assert 'name="username"' not in response.content.decode()


def test_superuser_adds_a_person_by_email(admin_client_for: Client) -> None:
    response = admin_client_for.post(
        reverse("admin:directory_user_add"),
        {
            "email": "New.Starter@Example.nhs.uk",
            "usable_password": "false",
            "password1": "",
            "password2": "",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.starter@example.nhs.uk")
    assert response.url == reverse("admin:directory_user_change", args=[user.pk])
    assert not user.has_usable_password()


def test_superuser_adds_a_person_with_a_password(admin_client_for: Client) -> None:
    response = admin_client_for.post(
        reverse("admin:directory_user_add"),
        {
            "email": "new.starter@example.nhs.uk",
            "usable_password": "true",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(email="new.starter@example.nhs.uk").check_password(
        "a-long-enough-passphrase"
    )


def test_an_email_already_in_the_directory_in_another_case_is_refused(
    admin_client_for: Client, reporter: User
) -> None:
    response = admin_client_for.post(
        reverse("admin:directory_user_add"),
        {"email": reporter.email.upper(), "usable_password": "false"},
    )

    assert response.status_code == 200
    assert "already has this email address" in response.content.decode()
    assert User.objects.filter(email__iexact=reporter.email).count() == 1


def test_superuser_opens_and_saves_a_persons_page(
    admin_client_for: Client, reporter: User, manager: User
) -> None:
    url = reverse("admin:directory_user_change", args=[reporter.pk])
    service = ServiceFactory(name="Crisis Team")

    page = admin_client_for.get(url)
    saved = admin_client_for.post(
        url,
        {
            "email": reporter.email,
            "first_name": "Rita",
            "last_name": "Reporter",
            "job_title": "Senior staff nurse",
            "employment_type": EmploymentType.TEMPORARY,
            "service": service.pk,
            "line_manager": manager.pk,
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "09:00:00",
        },
    )

    assert page.status_code == 200
    assert saved.status_code == 302
    reporter.refresh_from_db()
    assert (reporter.job_title, reporter.employment_type, reporter.service) == (
        "Senior staff nurse",
        EmploymentType.TEMPORARY,
        service,
    )


def test_line_manager_autocomplete_finds_staff_by_name(
    admin_client_for: Client, manager: User
) -> None:
    response = admin_client_for.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "directory",
            "model_name": "user",
            "field_name": "line_manager",
            "term": "Maya",
        },
    )

    assert response.status_code == 200
    assert [result["id"] for result in response.json()["results"]] == [str(manager.pk)]


def test_superuser_adds_a_directorate_with_its_services(admin_client_for: Client) -> None:
    response = admin_client_for.post(
        reverse("admin:directory_directorate_add"),
        {
            "name": "Mental Health",
            "services-TOTAL_FORMS": "2",
            "services-INITIAL_FORMS": "0",
            "services-MIN_NUM_FORMS": "0",
            "services-MAX_NUM_FORMS": "1000",
            "services-0-name": "Crisis Team",
            "services-1-name": "Community Mental Health Team",
        },
    )

    assert response.status_code == 302
    directorate = Directorate.objects.get(name="Mental Health")
    assert sorted(directorate.services.values_list("name", flat=True)) == [
        "Community Mental Health Team",
        "Crisis Team",
    ]


def test_directorate_and_service_pages_open(admin_client_for: Client) -> None:
    service = ServiceFactory(name="Crisis Team", directorate__name="Mental Health")

    pages = [
        reverse("admin:directory_directorate_changelist"),
        reverse("admin:directory_directorate_change", args=[service.directorate.pk]),
        reverse("admin:directory_service_changelist") + "?q=crisis",
        reverse("admin:directory_service_add"),
        reverse("admin:directory_service_change", args=[service.pk]),
    ]

    for page in pages:
        assert admin_client_for.get(page).status_code == 200, page
    services = admin_client_for.get(reverse("admin:directory_service_changelist"), {"q": "crisis"})
    assert list(services.context["cl"].result_list) == [service]


def test_staff_without_admin_access_are_sent_to_sign_in(login, reporter: User) -> None:
    response = login(reporter).get(reverse("admin:directory_user_changelist"))

    assert response.status_code == 302


def _change(client: Client, person: User, **changes: object):
    data: dict[str, object] = {
        "email": person.email,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "job_title": person.job_title,
        "employment_type": person.employment_type,
        "service": person.service_id or "",
        "line_manager": person.line_manager_id or "",
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "09:00:00",
    }
    data.update(changes)
    return client.post(reverse("admin:directory_user_change", args=[person.pk]), data)


def test_a_line_manager_who_would_make_a_loop_is_refused(
    admin_client_for: Client, reporter: User, manager: User
) -> None:
    trainee = UserFactory(first_name="Tim", last_name="Trainee", line_manager=reporter)

    response = _change(admin_client_for, manager, line_manager=trainee.pk)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["line_manager"] == [
        (
            "Maya Manager's line manager would be Tim Trainee, who is managed by Rita Reporter, "
            "who is managed by Maya Manager — a management chain can't loop."
        )
    ]
    manager.refresh_from_db()
    assert manager.line_manager is None


def test_a_person_cannot_be_made_their_own_line_manager(
    admin_client_for: Client, manager: User
) -> None:
    response = _change(admin_client_for, manager, line_manager=manager.pk)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["line_manager"] == [
        "A person can't be their own line manager."
    ]


def test_a_line_manager_above_a_stored_loop_can_still_be_chosen(
    admin_client_for: Client, reporter: User, manager: User
) -> None:
    # Bad data already stored (Maya and Pat manage each other) doesn't hang the page or block Rita.
    other = UserFactory(first_name="Pat", last_name="Other", line_manager=manager)
    User.objects.filter(pk=manager.pk).update(line_manager=other)

    response = _change(admin_client_for, reporter, line_manager=other.pk)

    assert response.status_code == 302
    reporter.refresh_from_db()
    assert reporter.line_manager == other


def test_renaming_a_roles_group_keeps_the_role(login, hr_lead) -> None:
    from casework.access import may_see_governance
    from directory.models import Role, User, role_group

    group = role_group(Role.HR_LEAD)
    group.name = "Senior HR (renamed by the administrator)"
    group.save()
    person = User.objects.get(pk=hr_lead.pk)
    assert person.has_role(Role.HR_LEAD)
    assert may_see_governance(person)
    assert role_group(Role.HR_LEAD) == group  # no second group made under the old name


def test_a_group_named_like_a_role_but_not_tied_to_it_grants_nothing(outsider) -> None:
    from django.contrib.auth.models import Group

    from directory.models import Role, RoleGroup, User

    group, _ = Group.objects.get_or_create(name=str(Role.HR_LEAD.label))
    RoleGroup.objects.filter(group=group).delete()
    outsider.groups.add(group)
    assert not User.objects.get(pk=outsider.pk).has_role(Role.HR_LEAD)


def test_the_groups_admin_shows_each_groups_role(client, admin_user) -> None:
    from django.urls import reverse

    from directory.models import Role, role_group

    role_group(Role.IG_LEAD)
    client.force_login(admin_user)
    page = client.get(reverse("admin:auth_group_changelist")).content.decode()
    assert "Information governance lead" in page
