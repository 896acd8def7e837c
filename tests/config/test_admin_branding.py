"""The admin is Flagpost's, not stock Django's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_admin_says_flagpost_administration(client) -> None:
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:index")).content.decode()
    assert "<title>Flagpost administration | Flagpost administration</title>" in page
    assert ">Flagpost administration</a>" in page  # the header
    assert "Django administration" not in page
    assert "Site administration" not in page


def test_the_admin_sign_in_page_says_it_too(client) -> None:
    page = client.get(reverse("admin:login")).content.decode()
    assert "Flagpost administration" in page
    assert "Django administration" not in page
