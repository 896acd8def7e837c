"""Producing a stored document once: claim, render, store, ready (or failed)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from documents.produce import (
    FAILED,
    QUEUED,
    READY,
    RENDERING,
    Rendered,
    document_produce,
    document_requeue,
)
from governance.models import CommitteePack, PackStatus
from summaries.models import SummaryStatus

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 a document\n%%EOF\n"
LEASE = dt.timedelta(minutes=10)


@pytest.fixture
def pack() -> CommitteePack:
    return CommitteePack.objects.create(
        start=dt.date(2024, 1, 1), end=dt.date(2024, 3, 31), period="month"
    )


class Renderer:
    def __init__(self, *results: bytes | Exception) -> None:
        self.results = list(results)
        self.calls = 0

    def __call__(self, document: CommitteePack) -> Rendered:
        self.calls += 1
        result = self.results.pop(0)
        if isinstance(result, Exception):
            raise result
        return Rendered(result)


def _produce(pack: CommitteePack, render: Renderer, **kwargs) -> str:
    return document_produce(
        CommitteePack.objects.all(),
        pk=pack.pk,
        render=render,
        file_name="pack.pdf",
        lease=LEASE,
        **kwargs,
    )


def test_the_status_values_are_the_ones_every_document_model_uses() -> None:
    for choices in (SummaryStatus, PackStatus):
        assert (choices.QUEUED, choices.RENDERING, choices.READY, choices.FAILED) == (
            QUEUED,
            RENDERING,
            READY,
            FAILED,
        )


def test_two_calls_render_once_and_store_one_file(pack) -> None:
    render, ready = Renderer(PDF, PDF), []
    assert _produce(pack, render, on_ready=ready.append) == "ready"
    assert _produce(pack, render, on_ready=ready.append) == "not claimed"
    assert render.calls == 1
    assert [p.pk for p in ready] == [pack.pk]
    pack.refresh_from_db()
    assert pack.status == PackStatus.READY
    assert pack.file.name == f"packs/20240101-20240331-{pack.pk}.pdf"
    assert pack.file.read() == PDF
    assert (pack.size, len(pack.sha256), pack.completed_at is not None) == (len(PDF), 64, True)


def test_a_render_that_fails_marks_the_document_failed_and_a_retry_succeeds(pack) -> None:
    render, ready = Renderer(RuntimeError("no figures for that period"), PDF), []
    assert _produce(pack, render, on_ready=ready.append) == "failed"
    pack.refresh_from_db()
    assert (pack.status, pack.error, pack.file.name) == (
        PackStatus.FAILED,
        "no figures for that period",
        "",
    )
    assert ready == []
    assert _produce(pack, render) == "not claimed"  # failed stays failed until asked for again

    assert document_requeue(CommitteePack.objects.all(), pk=pack.pk)
    assert not document_requeue(CommitteePack.objects.all(), pk=pack.pk)  # queued, not failed
    assert _produce(pack, render, on_ready=ready.append) == "ready"
    pack.refresh_from_db()
    assert (pack.status, pack.error, pack.file.read()) == (PackStatus.READY, "", PDF)
    assert render.calls == 2 and len(ready) == 1


def test_a_render_left_by_a_dead_worker_is_claimed_again_after_its_lease(pack) -> None:
    now = timezone.now()
    CommitteePack.objects.filter(pk=pack.pk).update(
        status=PackStatus.RENDERING, started_at=now - LEASE / 2
    )
    render = Renderer(PDF)
    assert _produce(pack, render, now=now) == "not claimed"
    assert _produce(pack, render, now=now + LEASE) == "ready"
    assert render.calls == 1


def test_a_half_written_file_from_a_dead_worker_is_replaced_not_kept_beside(pack) -> None:
    name = pack.file.field.generate_filename(pack, "pack.pdf")
    pack.file.storage.save(name, ContentFile(b"half"))
    assert _produce(pack, Renderer(PDF)) == "ready"
    pack.refresh_from_db()
    assert pack.file.name == name
    assert pack.file.read() == PDF


# --- Nothing lost: redelivery, sweeping, a dropped connection ------------------------


def test_a_redelivered_message_takes_its_own_claim_back_inside_the_lease(hr_lead) -> None:
    from documents.produce import Claim
    from summaries.models import CaseSummary
    from summaries.services import summary_produce
    from tests.factories import CaseFactory

    case = CaseFactory()
    summary = CaseSummary.objects.create(
        case=case, variant="full", case_revision=case.revision, requested_by=hr_lead
    )
    # The first delivery claimed it, then its pool child was killed mid-render.
    CaseSummary.objects.filter(pk=summary.pk).update(
        status=SummaryStatus.RENDERING, started_at=timezone.now(), claim="task-1"
    )
    assert summary_produce(summary_id=summary.pk, claim=Claim(token="task-2")) == "not claimed"
    assert summary_produce(summary_id=summary.pk, claim=Claim(token="task-1")) == "ready"
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.READY and summary.due_at is None


def test_a_redelivered_pack_message_takes_over_a_render_inside_its_lease(pack) -> None:
    from documents.produce import Claim

    CommitteePack.objects.filter(pk=pack.pk).update(status=RENDERING, started_at=timezone.now())
    assert _produce(pack, Renderer(PDF), claim=Claim(token="a")) == "not claimed"
    assert _produce(pack, Renderer(PDF), claim=Claim(token="a", redelivered=True)) == "ready"


def test_the_sweep_renders_lost_and_abandoned_documents_and_leaves_fresh_ones(hr_lead) -> None:
    from summaries.models import CaseSummary
    from summaries.services import summaries_sweep
    from tests.factories import CaseFactory

    now = timezone.now()
    case = CaseFactory()
    lost = CaseSummary.objects.create(
        case=case, variant="full", case_revision=1, requested_by=hr_lead, due_at=now
    )
    abandoned = CaseSummary.objects.create(
        case=case,
        variant="manager",
        case_revision=1,
        requested_by=hr_lead,
        status=SummaryStatus.RENDERING,
        started_at=now - dt.timedelta(minutes=7),
        due_at=now - dt.timedelta(minutes=1),
    )
    CaseSummary.objects.create(  # just asked for: its message is on its way
        case=case,
        variant="employee",
        case_revision=1,
        requested_by=hr_lead,
        due_at=now + dt.timedelta(seconds=60),
    )
    later = now + dt.timedelta(seconds=1)
    # Tasks run in this process: each sweep renders what it sends.
    assert summaries_sweep(now=later) == 2
    assert summaries_sweep(now=later) == 0  # done: nothing is due any more
    for summary in (lost, abandoned):
        summary.refresh_from_db()
        assert summary.status == SummaryStatus.READY and summary.due_at is None


def test_the_sweep_reads_only_what_is_due(hr_lead, django_assert_num_queries) -> None:
    from summaries.services import summaries_sweep

    with django_assert_num_queries(1):
        assert summaries_sweep() == 0


def test_a_file_whose_row_cannot_be_marked_ready_is_removed(pack) -> None:
    from django.db import OperationalError

    def lost_connection(document: CommitteePack) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    with pytest.raises(OperationalError):
        _produce(pack, Renderer(PDF), on_ready=lost_connection)
    pack.refresh_from_db()
    assert pack.status == PackStatus.RENDERING and not pack.file
    assert not CommitteePack.file.field.storage.exists(f"packs/20240101-20240331-{pack.pk}.pdf")


def test_two_beats_sweeping_at_once_send_each_due_document_once(hr_lead) -> None:
    from documents.produce import documents_sweep
    from summaries.models import CaseSummary
    from tests.factories import CaseFactory

    now = timezone.now()
    case = CaseFactory()
    for variant in ("full", "manager"):
        CaseSummary.objects.create(
            case=case, variant=variant, case_revision=1, requested_by=hr_lead, due_at=now
        )
    sent: list[int] = []

    def sweep(publish) -> int:
        return documents_sweep(
            CaseSummary.objects.all(),
            publish=publish,
            lease=LEASE,
            grace=dt.timedelta(seconds=60),
            due_field="due_at",
            now=now,
        )

    def publish_while_another_beat_sweeps(pk: int) -> None:
        sent.append(pk)
        if len(sent) == 1:
            # The second beat runs after the first has read both rows but claimed only one.
            assert sweep(sent.append) == 1

    assert sweep(publish_while_another_beat_sweeps) == 1
    assert sorted(sent) == sorted(CaseSummary.objects.values_list("pk", flat=True))
