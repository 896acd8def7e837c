"""A spoofed Host header is refused, and no address Flagpost sends out is built from one.

Email links come from SITE_URL alone: a request that reached Flagpost under
another name it answers to must not be able to point people elsewhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse

from tests.samples import report_form_data
from tests.security.helpers import PRODUCTION_HOST, production_probe

SITE_URL = "https://flagpost.example.nhs.uk"
OTHER_NAME = "other-name.example"
URL = re.compile(r"https?://[^\s\"'<>]+")


def test_production_refuses_a_spoofed_host() -> None:
    probe = production_probe()
    assert probe["spoofed_host"]["status"] == 400
    assert "evil.example" not in probe["spoofed_host"]["body"]
    assert probe["settings"]["ALLOWED_HOSTS"] == [PRODUCTION_HOST]


def test_production_ignores_a_forwarded_host_header() -> None:
    probe = production_probe()
    assert probe["settings"]["USE_X_FORWARDED_HOST"] is False
    assert probe["spoofed_forwarded_host"]["status"] == 200
    assert "evil.example" not in probe["spoofed_forwarded_host"]["body"]


@pytest.mark.django_db
def test_a_host_that_is_not_allowed_gets_400_with_debug_off(settings, client) -> None:
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [PRODUCTION_HOST]
    assert client.get(reverse("login"), HTTP_HOST="evil.example").status_code == 400
    assert client.get(reverse("login"), HTTP_HOST=PRODUCTION_HOST).status_code == 200


@pytest.fixture
def policy_register(db) -> None:
    from policies.services import register_load

    register_load()


@pytest.mark.django_db
def test_email_links_come_from_site_url_whatever_the_host(
    settings, login, reporter, manager, policy_register, django_capture_on_commit_callbacks
) -> None:
    settings.SITE_URL = SITE_URL
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, OTHER_NAME]
    client = login(reporter)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("incidents:report_create"), report_form_data(), HTTP_HOST=OTHER_NAME
        )
    assert response.status_code == 302
    receipt = client.get(response["Location"], HTTP_HOST=OTHER_NAME).content.decode()

    assert {message.to[0] for message in mail.outbox} >= {reporter.email, manager.email}
    links = [
        link
        for message in mail.outbox
        for text in (message.body, *(body for body, _ in message.alternatives))
        for link in URL.findall(text)
    ]
    assert any(link.startswith(SITE_URL) for link in links)
    assert [link for link in links if OTHER_NAME in link] == []
    assert OTHER_NAME not in receipt


def test_no_code_builds_an_address_from_the_request_host() -> None:
    """The only use of the request's host is to check that a redirect stays on the site."""
    allowed = {("notifications/views.py", "url_has_allowed_host_and_scheme")}
    pattern = re.compile(r"build_absolute_uri|get_host\(\)|HTTP_HOST|request\.META\[.SERVER_NAME")
    found = set()
    root = Path(django_settings.BASE_DIR)
    apps = [top for top in root.iterdir() if (top / "__init__.py").exists() and top.name != "tests"]
    assert {"config", "incidents", "notifications"} <= {top.name for top in apps}
    for path in (path for top in apps for path in top.rglob("*.py")):
        relative = path.relative_to(root)
        if "migrations" in relative.parts:
            continue
        for line in path.read_text().splitlines():
            if pattern.search(line):
                found.add((relative.as_posix(), line.strip()))
    unexpected = {
        (name, line)
        for name, line in found
        if not any(name == allowed_name and marker in line for allowed_name, marker in allowed)
    }
    assert unexpected == set()
