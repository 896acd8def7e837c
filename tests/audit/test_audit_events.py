"""What the audit trail records: case events, page views, downloads, refusals and sign-ins, over HTTP."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.db import transaction
from django.urls import reverse

from audit.models import AuditEvent, AuditKind
from audit.services import audit_verify
from casework.models import CaseEvent, CaseState, EventKind
from casework.timeline import case_event_record
from governance.figures import Filters
from governance.services import pack_produce, pack_request
from incidents.models import EvidenceFile
from summaries.services import summary_produce, summary_request
from tests.factories import PASSWORD, case_in_state
from tests.helpers import action_form_data

pytestmark = pytest.mark.django_db


def _rows(kind: AuditKind, **filters: object) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=kind, **filters).order_by("seq"))


def test_a_case_event_is_recorded_with_the_change_it_made(login, cast) -> None:
    case = case_in_state(CaseState.NEW, cast)
    response = login(cast.triage_officer).post(
        reverse("casework:case_action", args=[case.reference, "start_triage"]),
        action_form_data("start_triage", case, cast),
    )
    assert response.status_code == 302
    event = CaseEvent.objects.get(case=case, kind=EventKind.TRANSITION)
    [row] = _rows(AuditKind.CASE_EVENT, case=case, actor=cast.triage_officer)
    assert row.case_reference == case.reference
    assert row.detail == {
        "event": "transition",
        "action": "start_triage",
        "from": "new",
        "to": "triage",
    }
    # Structured facts only: the note typed with the action stays in the timeline, not the trail.
    assert event.note and event.note not in json.dumps(row.detail)


def test_a_case_event_and_its_audit_row_commit_or_roll_back_together(cast) -> None:
    case = case_in_state(CaseState.TRIAGE, cast)
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        case_event_record(case=case, kind=EventKind.NOTE, actor=cast.triage_officer, note="A note.")
        assert AuditEvent.objects.count() == before + 1
        raise RuntimeError("the service failed after writing the event")
    assert AuditEvent.objects.count() == before
    assert audit_verify().ok


def test_every_report_received_on_intake_is_a_case_event(cast) -> None:
    case = case_in_state(CaseState.NEW, cast)
    [row] = _rows(AuditKind.CASE_EVENT, case=case)
    assert row.actor == cast.reporter and row.detail["event"] == "report_received"
    assert row.detail["report"] == case.reference


def test_views_of_the_case_page_and_the_workspace_are_recorded(login, cast, hr_lead) -> None:
    case = case_in_state(CaseState.INVESTIGATION, cast)
    client = login(hr_lead)
    assert client.get(reverse("casework:case_detail", args=[case.reference])).status_code == 200
    assert client.get(reverse("casework:investigation", args=[case.reference])).status_code == 200
    rows = _rows(AuditKind.CASE_VIEWED, case=case, actor=hr_lead)
    assert [row.detail["page"] for row in rows] == ["case", "investigation"]
    assert all(row.ip_address == "127.0.0.1" for row in rows)


def test_an_evidence_download_is_recorded(login, cast) -> None:
    case = case_in_state(CaseState.INVESTIGATION, cast)
    evidence = EvidenceFile.objects.get(report__case=case)
    response = login(cast.investigator).get(
        reverse("incidents:evidence_download", args=[evidence.pk])
    )
    assert response.status_code == 200
    [row] = _rows(AuditKind.EVIDENCE_DOWNLOADED, actor=cast.investigator)
    assert row.case == case
    assert row.detail == {"file": evidence.pk, "report": case.reference, "sha256": evidence.sha256}


def test_a_summary_download_is_recorded_once(login, cast, hr_lead) -> None:
    case = case_in_state(CaseState.DECISION, cast)
    summary = summary_request(case=case, variant="full", by=hr_lead)
    summary_produce(summary_id=summary.pk)
    response = login(hr_lead).get(reverse("summaries:download", args=[case.reference, summary.pk]))
    assert response.status_code == 200
    [row] = _rows(AuditKind.SUMMARY_DOWNLOADED, actor=hr_lead)
    summary.refresh_from_db()
    assert row.case == case
    assert row.detail == {
        "summary": summary.pk,
        "variant": "full",
        "revision": summary.case_revision,
        "sha256": summary.sha256,
    }
    # The timeline's own "downloaded" line doesn't make a second row.
    assert CaseEvent.objects.filter(case=case, kind=EventKind.SUMMARY_DOWNLOADED).count() == 1
    assert not [
        r
        for r in _rows(AuditKind.CASE_EVENT, case=case)
        if r.detail["event"] == "summary_downloaded"
    ]


def test_governance_downloads_are_recorded(login, governance_member) -> None:
    client = login(governance_member)
    query = {"period": "custom", "start": "2026-01-01", "end": "2026-03-31"}
    assert (
        client.get(reverse("governance:export_table", args=["by_platform"]), query).status_code
        == 200
    )
    assert client.get(reverse("governance:export_all"), query).status_code == 200
    pack = pack_request(
        filters=Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31)), by=governance_member
    )
    pack_produce(pack_id=pack.pk)
    assert client.get(reverse("governance:pack_download", args=[pack.pk])).status_code == 200
    rows = _rows(AuditKind.GOVERNANCE_EXPORT_DOWNLOADED, actor=governance_member)
    assert [row.detail for row in rows] == [
        {"export": "table", "table": "by_platform", "from": "2026-01-01", "to": "2026-03-31"},
        {"export": "all_tables", "from": "2026-01-01", "to": "2026-03-31"},
        {"export": "committee_pack", "pack": pack.pk, "from": "2026-01-01", "to": "2026-03-31"},
    ]


def test_a_refused_case_page_is_recorded_against_the_case(login, cast, outsider) -> None:
    case = case_in_state(CaseState.TRIAGE, cast)
    assert (
        login(outsider).get(reverse("casework:case_detail", args=[case.reference])).status_code
        == 404
    )
    [row] = _rows(AuditKind.ACCESS_REFUSED, actor=outsider)
    assert row.case == case
    assert row.detail == {
        "status": 404,
        "method": "GET",
        "path": f"/cases/{case.reference}/",
        "page": "casework:case_detail",
    }


def test_a_refused_action_and_a_refused_file_are_recorded(login, cast, outsider) -> None:
    case = case_in_state(CaseState.TRIAGE, cast)
    evidence = EvidenceFile.objects.get(report__case=case)
    # The triage officer sees the case, but assigning an investigator is the HR lead's.
    response = login(cast.triage_officer).get(
        reverse("casework:case_action", args=[case.reference, "assign"])
    )
    assert response.status_code == 403
    assert (
        login(outsider).get(reverse("incidents:evidence_download", args=[evidence.pk])).status_code
        == 404
    )
    [refused_action] = _rows(AuditKind.ACCESS_REFUSED, actor=cast.triage_officer)
    [refused_file] = _rows(AuditKind.ACCESS_REFUSED, actor=outsider)
    assert refused_action.case == case and refused_action.detail["status"] == 403
    assert (
        refused_file.case == case and refused_file.detail["page"] == "incidents:evidence_download"
    )


def test_refusals_elsewhere_and_to_people_not_signed_in_are_not_recorded(
    client, login, outsider
) -> None:
    before = AuditEvent.objects.count()
    assert (
        client.get(reverse("casework:case_detail", args=["SMP-2026-00001"])).status_code == 302
    )  # to sign in
    assert login(outsider).get("/no-such-page/").status_code == 404
    assert AuditEvent.objects.count() == before + 1  # only the sign-in of the outsider's client
    assert login(outsider).get("/cases/SMP-2026-00001/no/such/page/").status_code == 404
    [row] = _rows(AuditKind.ACCESS_REFUSED, actor=outsider)
    assert row.case is None and row.detail["page"] == ""


def test_a_search_query_is_not_kept_with_a_refusal(login, outsider) -> None:
    login(outsider).get(reverse("governance:dashboard"), {"q": "Paul Poster's photo"})
    [row] = _rows(AuditKind.ACCESS_REFUSED, actor=outsider)
    assert row.detail["path"] == "/governance/" and "Paul" not in json.dumps(row.detail)


def test_a_sign_in_is_recorded_with_where_it_came_from(client, outsider) -> None:
    response = client.post(
        reverse("login"),
        {"username": outsider.email, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.23",
    )
    assert response.status_code == 302
    [row] = _rows(AuditKind.SIGNED_IN, actor=outsider)
    assert row.ip_address == "198.51.100.23" and row.detail == {}


def _everything_recorded() -> str:
    return json.dumps(list(AuditEvent.objects.values()), default=str)


def test_a_failed_sign_in_keeps_only_a_fingerprint_of_the_username(client, outsider) -> None:
    client.post(
        reverse("login"), {"username": outsider.email, "password": "wrong-horse-battery-staple"}
    )
    # Someone who typed their password into the email box by mistake.
    client.post(reverse("login"), {"username": "MySecretPassw0rd!", "password": ""})
    client.post(reverse("login"), {"username": "MySecretPassw0rd!", "password": "x"})
    rows = _rows(AuditKind.SIGN_IN_FAILED)
    assert rows and all(row.actor is None for row in rows)
    assert rows[0].detail == {
        "username_sha256": hashlib.sha256(outsider.email.lower().encode()).hexdigest()
    }
    recorded = _everything_recorded()
    for secret in ("wrong-horse-battery-staple", "MySecretPassw0rd!", outsider.email):
        assert secret not in recorded
    assert not _rows(AuditKind.SIGNED_IN, actor=outsider)


def test_a_lockout_is_recorded(client, outsider) -> None:
    for _ in range(5):
        client.post(reverse("login"), {"username": outsider.email, "password": "not-the-password"})
    [row] = _rows(AuditKind.LOCKED_OUT)
    assert row.actor is None
    assert row.detail == {
        "username_sha256": hashlib.sha256(outsider.email.lower().encode()).hexdigest()
    }


def test_every_kind_of_row_leaves_the_chain_intact(login, cast, hr_lead, outsider) -> None:
    case = case_in_state(CaseState.INVESTIGATION, cast)
    login(hr_lead).get(reverse("casework:case_detail", args=[case.reference]))
    login(outsider).get(reverse("casework:case_detail", args=[case.reference]))
    kinds = set(AuditEvent.objects.values_list("kind", flat=True))
    assert {
        AuditKind.CASE_EVENT,
        AuditKind.CASE_VIEWED,
        AuditKind.ACCESS_REFUSED,
        AuditKind.SIGNED_IN,
    } <= kinds
    assert audit_verify().ok
