"""What the report form refuses, and how it tells the reporter."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from incidents.models import EvidenceFile, Report
from tests.samples import JPEG_BYTES, PDF_BYTES, png_bytes, png_upload, upload

pytestmark = pytest.mark.django_db


def post(client, data):
    return client.post(reverse("incidents:report_create"), data)


def test_missing_fields_come_back_with_a_message_by_each_and_typing_kept(
    login, reporter, policy_register, report_data
) -> None:
    data = report_data(links="", description="", shows_patient=None, poster_handle="@kept_handle")
    response = post(login(reporter), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"links", "description", "shows_patient"}
    page = response.content.decode()
    assert "There is a problem" in page
    assert "@kept_handle" in page  # what was typed is still there
    assert 'href="#id_links"' in page and 'id="id_links"' in page
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://files.example.org/post.png",
        "mailto:someone@example.org",
        "facebook.com/some/post",
        "https://",
        "https://exa mple.org/post",
    ],
)
def test_links_that_are_not_web_addresses_are_refused(
    login, reporter, policy_register, report_data, link
) -> None:
    response = post(login(reporter), report_data(links=f"https://facebook.com/ok/posts/1\n{link}"))
    assert response.status_code == 200
    errors = response.context["form"].errors["links"]
    assert errors and any("link" in error for error in errors)
    assert Report.objects.count() == 0


def test_an_empty_report_names_and_links_every_required_field(
    login, reporter, policy_register
) -> None:
    client = login(reporter)
    form = client.get(reverse("incidents:report_create")).context["form"]
    token = form.initial["submission_token"]
    response = post(client, {"submission_token": token, "poster_kind": ""})
    assert response.status_code == 200
    page = response.content.decode()
    summary = re.search(r'<div class="nhsuk-error-summary".*?</div>', page, re.DOTALL).group(0)
    links = dict(re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', summary))
    required = [f for f in response.context["form"].visible_fields() if f.field.required]
    assert required
    for field in required:
        assert field.error_anchor in links, field.name
        assert f'id="{field.error_anchor}"' in page
        assert "This field is required" not in links[field.error_anchor]
    assert "This field is required" not in page


def test_more_than_ten_links_are_refused(login, reporter, policy_register, report_data) -> None:
    links = "\n".join(f"https://x.com/a/status/{n}" for n in range(11))
    response = post(login(reporter), report_data(links=links))
    assert "up to 10 links" in " ".join(response.context["form"].errors["links"])


def test_ten_links_are_accepted(login, reporter, policy_register, report_data) -> None:
    links = "\n".join(f"https://x.com/a/status/{n}" for n in range(10))
    post(login(reporter), report_data(links=links))
    assert Report.objects.get().links.count() == 10


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("innocent.png", b"<html><script>alert(1)</script></html>"),
        ("photo.jpg", b"GIF89a" + b"\x00" * 64),
        ("drawing.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("notes.pdf", b"PK\x03\x04" + b"\x00" * 64),
        ("empty.png", b""),
    ],
)
def test_files_are_judged_by_their_content_not_their_name(
    login, reporter, policy_register, report_data, name, content
) -> None:
    response = post(login(reporter), report_data(screenshots=upload(name, content, "image/png")))
    assert response.status_code == 200
    assert response.context["form"].errors["screenshots"]
    assert Report.objects.count() == 0
    assert EvidenceFile.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content"), [("a.jpg", JPEG_BYTES), ("a.pdf", PDF_BYTES), ("a.bin", png_bytes())]
)
def test_png_jpeg_and_pdf_are_accepted_whatever_their_name(
    login, reporter, policy_register, report_data, name, content
) -> None:
    post(login(reporter), report_data(screenshots=upload(name, content)))
    assert EvidenceFile.objects.count() == 1


def test_an_oversize_file_is_refused_with_its_size(
    login, reporter, policy_register, report_data, settings
) -> None:
    settings.EVIDENCE_MAX_FILE_BYTES = 1024
    big = upload("big.png", png_bytes() + b"\x00" * 2048)
    response = post(login(reporter), report_data(screenshots=big))
    message = " ".join(response.context["form"].errors["screenshots"])
    assert "big.png" in message and "files can be at most 1 KB" in message
    assert Report.objects.count() == 0


def test_a_file_one_byte_over_the_limit_says_by_how_much(
    login, reporter, policy_register, report_data
) -> None:
    # 10 MB and 1 byte: rounded to a tenth of a megabyte it would read "10.0 MB; at most 10.0 MB".
    big = upload("big.png", png_bytes() + b"\x00" * (10 * 1024 * 1024 + 1 - len(png_bytes())))
    response = post(login(reporter), report_data(screenshots=big))
    message = " ".join(response.context["form"].errors["screenshots"])
    assert message == "“big.png” is 10,485,761 bytes (just over 10 MB); files can be at most 10 MB."
    assert Report.objects.count() == 0


def test_the_form_tells_the_size_limit_from_the_setting(
    login, reporter, policy_register, settings
) -> None:
    settings.EVIDENCE_MAX_FILE_BYTES = 5 * 1024 * 1024
    page = login(reporter).get(reverse("incidents:report_create")).content.decode()
    assert "up to 10 files of 5 MB each" in page


@pytest.mark.parametrize("count", [11, 40])
def test_more_than_ten_files_are_too_many(
    login, reporter, policy_register, report_data, count
) -> None:
    files = [png_upload(f"shot{n}.png") for n in range(count)]
    response = post(login(reporter), report_data(screenshots=files))
    assert response.status_code == 200
    assert "up to 10 files" in " ".join(response.context["form"].errors["screenshots"])
    assert Report.objects.count() == 0


def test_a_flood_of_files_gets_a_clear_page_not_a_server_error(
    login, reporter, policy_register, report_data
) -> None:
    files = [png_upload(f"shot{n}.png") for n in range(120)]
    response = post(login(reporter), report_data(screenshots=files))
    assert response.status_code == 400
    assert "too many files" in response.content.decode()


def test_a_description_over_20000_characters_is_refused(
    login, reporter, policy_register, report_data
) -> None:
    response = post(login(reporter), report_data(description="x" * 20_001))
    assert "20000 characters" in " ".join(response.context["form"].errors["description"])
    post(login(reporter), report_data(description="x" * 20_000))
    assert Report.objects.count() == 1


def test_a_post_seen_in_the_future_is_refused(
    login, reporter, policy_register, report_data
) -> None:
    response = post(login(reporter), report_data(seen_at="2999-01-01T10:00"))
    assert response.context["form"].errors["seen_at"]


def test_posted_after_seen_is_refused(login, reporter, policy_register, report_data) -> None:
    response = post(
        login(reporter), report_data(seen_at="2026-01-01T10:00", posted_at="2026-01-02T10:00")
    )
    assert response.context["form"].errors["posted_at"]


def test_a_named_colleague_must_be_chosen(login, reporter, policy_register, report_data) -> None:
    response = post(login(reporter), report_data(poster_kind="colleague"))
    assert response.context["form"].errors["poster"]
    response = post(login(reporter), report_data(poster_kind="handle"))
    assert response.context["form"].errors["poster_handle"]


def test_unknown_principle_is_refused(login, reporter, policy_register, report_data) -> None:
    response = post(login(reporter), report_data(principles=[999_999]))
    assert response.context["form"].errors["principles"]


def test_the_same_form_sent_twice_makes_one_report(
    login, reporter, policy_register, report_data
) -> None:
    client = login(reporter)
    data = report_data()
    first = post(client, data)
    second = post(client, data)
    assert Report.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_two_reporters_cannot_collide_on_a_token(
    login, reporter, outsider, policy_register, report_data
) -> None:
    data = report_data()
    post(login(reporter), data)
    response = post(login(outsider), data)
    # A token only deduplicates one person's submissions: the second person
    # gets their own report, and nothing of the first one.
    own = Report.objects.get(reporter=outsider)
    assert response["Location"] == reverse("incidents:report_receipt", args=[own.reference])
    assert Report.objects.count() == 2
