"""A member of staff reports a post: the form, the receipt, the case, the emails."""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from django.urls import reverse

from casework.models import Case, CaseEvent, CaseState, EventKind
from incidents.models import EvidenceFile, Report
from notifications.models import Notification, NotificationKind
from policies.models import Principle
from tests.samples import png_bytes, png_upload

pytestmark = pytest.mark.django_db


def submit(client, data, *, capture) -> object:
    with capture(execute=True):
        return client.post(reverse("incidents:report_create"), data)


def test_anonymous_visitor_is_sent_to_sign_in(client) -> None:
    response = client.get(reverse("incidents:report_create"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_form_lists_principles_in_plain_words(login, reporter, policy_register) -> None:
    response = login(reporter).get(reverse("incidents:report_create"))
    assert response.status_code == 200
    principle = Principle.objects.filter(version__policy__kind="social_media").first()
    assert principle is not None
    assert principle.summary in response.content.decode()


def test_report_gets_reference_receipt_case_and_emails(
    login, reporter, manager, policy_register, report_data, django_capture_on_commit_callbacks
) -> None:
    principle = Principle.objects.first()
    data = report_data(principles=[principle.pk], screenshots=png_upload())
    response = submit(login(reporter), data, capture=django_capture_on_commit_callbacks)

    report = Report.objects.get()
    assert re.fullmatch(r"SMP-\d{4}-\d{5}", report.reference)
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:report_receipt", args=[report.reference])
    assert report.platform == "facebook"  # worked out from the link
    assert list(report.principles.all()) == [principle]

    case = report.case
    assert case.state == CaseState.NEW
    assert case.reference == report.reference
    assert case.policy_versions.filter(policy__slug=principle.version.policy.slug).exists()
    assert (
        CaseEvent.objects.filter(case=case, kind=EventKind.REPORT_RECEIVED, actor=reporter).count()
        == 1
    )

    receipt = login(reporter).get(response["Location"])
    page = receipt.content.decode()
    evidence = EvidenceFile.objects.get()
    assert report.reference in page
    assert evidence.sha256 in page
    assert len(evidence.sha256) == 64

    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert report.reference in subjects[reporter.email]
    manager_mail = next(m for m in mail.outbox if m.to == [manager.email])
    # The reporter's manager learns a report was made, never what it says.
    assert "patient" not in manager_mail.body
    assert report.reference not in manager_mail.body
    assert "www.facebook.com" not in manager_mail.body
    assert (
        Notification.objects.filter(
            recipient=manager, kind=NotificationKind.TEAM_MEMBER_REPORTED
        ).count()
        == 1
    )


def test_reporter_without_a_manager_still_gets_a_receipt(
    login, outsider, policy_register, report_data, django_capture_on_commit_callbacks
) -> None:
    submit(login(outsider), report_data(), capture=django_capture_on_commit_callbacks)
    assert [message.to for message in mail.outbox] == [[outsider.email]]


def test_confidential_report_is_not_announced_to_the_posters_manager(
    login, reporter, manager, policy_register, report_data, django_capture_on_commit_callbacks
) -> None:
    from tests.factories import UserFactory

    # The reporter and the person they report share a line manager.
    poster = UserFactory(line_manager=manager)
    data = report_data(poster_kind="colleague", poster=poster.pk, confidential="on")
    submit(login(reporter), data, capture=django_capture_on_commit_callbacks)
    assert Report.objects.get().confidential
    assert [message.to for message in mail.outbox] == [[reporter.email]]


def test_platform_chosen_by_the_reporter_wins(
    login, reporter, policy_register, report_data
) -> None:
    login(reporter).post(reverse("incidents:report_create"), report_data(platform="blog"))
    assert Report.objects.get().platform == "blog"


@pytest.mark.parametrize(
    ("link", "platform"),
    [
        ("https://twitter.com/a/status/1", "x"),
        ("https://x.com/a/status/1", "x"),
        ("https://www.instagram.com/p/abc/", "instagram"),
        ("https://youtu.be/abc", "youtube"),
        ("https://www.linkedin.com/posts/abc", "linkedin"),
        ("https://www.tiktok.com/@a/video/1", "tiktok"),
        ("https://www.flickr.com/photos/a/1", "flickr"),
        ("https://someone.blogspot.com/2026/01/post.html", "blog"),
        ("https://example.org/forum/thread/1", "other"),
    ],
)
def test_platform_is_detected_from_the_link(
    login, reporter, policy_register, report_data, link, platform
) -> None:
    login(reporter).post(reverse("incidents:report_create"), report_data(links=link))
    assert Report.objects.get().platform == platform


def test_named_colleague_and_handle_are_recorded(
    login, reporter, poster, policy_register, report_data
) -> None:
    client = login(reporter)
    client.post(
        reverse("incidents:report_create"), report_data(poster_kind="colleague", poster=poster.pk)
    )
    client.post(
        reverse("incidents:report_create"),
        report_data(
            links="https://x.com/nurse/status/2", poster_kind="handle", poster_handle="@nightnurse"
        ),
    )
    named, handle = Report.objects.order_by("pk")
    assert named.poster == poster and named.poster_handle == ""
    assert handle.poster is None and handle.poster_handle == "@nightnurse"


def test_screenshots_are_stored_under_generated_names_with_their_fingerprint(
    login, reporter, policy_register, report_data, settings
) -> None:
    import hashlib

    content = png_bytes()
    login(reporter).post(
        reverse("incidents:report_create"),
        report_data(screenshots=[png_upload("../../etc/passwd.png")]),
    )
    evidence = EvidenceFile.objects.get()
    stored = settings.EVIDENCE_ROOT / evidence.file.name
    # The picture is saved afresh on receipt: the hash recorded is of what is kept, pixel for pixel the same.
    assert evidence.sha256 == hashlib.sha256(stored.read_bytes()).hexdigest()
    assert _pixels(stored.read_bytes()) == _pixels(content)
    assert evidence.added_by == reporter
    assert evidence.original_name.endswith("passwd.png")
    assert "passwd" not in evidence.file.name
    assert re.fullmatch(r"\d{4}/\d{2}/[0-9a-f]{32}\.png", evidence.file.name)


def _pixels(content: bytes) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(content)) as picture:
        return picture.convert("RGBA").tobytes()


def test_three_reports_of_one_post_form_one_case(
    login, reporter, outsider, manager, policy_register, report_data
) -> None:
    login(reporter).post(
        reverse("incidents:report_create"),
        report_data(links="https://www.facebook.com/some.one/posts/123/?utm_source=share&fbclid=x"),
    )
    response = login(outsider).post(
        reverse("incidents:report_create"),
        report_data(links="http://FACEBOOK.com/some.one/posts/123"),
        follow=True,
    )
    login(manager).post(
        reverse("incidents:report_create"),
        report_data(links="https://facebook.com/some.one/posts/123?igshid=q"),
    )
    assert Report.objects.count() == 3
    assert Case.objects.count() == 1
    # Said once on the receipt, not again in a message above it.
    assert response.content.decode().count("already been reported") == 1
    assert CaseEvent.objects.filter(kind=EventKind.REPORT_JOINED).count() == 2


def test_a_different_post_opens_a_new_case(login, reporter, policy_register, report_data) -> None:
    client = login(reporter)
    client.post(
        reverse("incidents:report_create"), report_data(links="https://facebook.com/a/posts/1")
    )
    client.post(
        reverse("incidents:report_create"), report_data(links="https://facebook.com/a/posts/2")
    )
    assert Case.objects.count() == 2


def test_a_post_reported_again_after_its_case_closed_opens_a_new_case(
    login, reporter, policy_register, report_data
) -> None:
    from tests.factories import CaseFactory, EvidenceLinkFactory, ReportFactory

    closed = CaseFactory(state=CaseState.CLOSED)
    EvidenceLinkFactory(
        report=ReportFactory(case=closed),
        url="https://facebook.com/a/posts/9",
        normalised_url="https://facebook.com/a/posts/9",
    )
    login(reporter).post(
        reverse("incidents:report_create"), report_data(links="https://facebook.com/a/posts/9")
    )
    assert Report.objects.get(reporter=reporter).case != closed


def test_references_count_up_within_the_year(login, reporter, policy_register, report_data) -> None:
    client = login(reporter)
    for n in range(3):
        client.post(
            reverse("incidents:report_create"), report_data(links=f"https://x.com/a/status/{n}")
        )
    numbers = sorted(
        int(ref.rsplit("-", 1)[1]) for ref in Report.objects.values_list("reference", flat=True)
    )
    assert numbers == [1, 2, 3]
