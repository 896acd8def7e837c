"""The committee pack PDF: pure rendering of a hand-built ``Figures`` (no database)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from governance.figures import SUPPRESSED, TOTAL, Figures, Filters, Period, Table
from governance.pack import _bar_chart, _line_chart, committee_pack_render

MONTHS = [dt.date(2023, m, 1).strftime("%b %Y") for m in range(4, 13)] + [
    dt.date(2024, m, 1).strftime("%b %Y") for m in range(1, 4)
]


def _figures(*tables: Table) -> Figures:
    return Figures(
        filters=Filters(dt.date(2023, 4, 1), dt.date(2024, 3, 31), Period.MONTH),
        generated_at=dt.datetime(2024, 4, 8, 9, 5, tzinfo=dt.UTC),
        tables=tables,
    )


def _all_kinds() -> Figures:
    return _figures(
        Table(
            "summary",
            "Summary",
            ("Measure", "Value"),
            (
                ("Reports received", 214),
                ("Cases opened", 87),
                ("Deadlines met (%)", 91.5),
                ("Open cases over 60 working days", 6),
                ("Data breaches within 72 hours (%)", SUPPRESSED),
            ),
        ),
        Table(
            "by_platform",
            "Reports by platform",
            ("Platform", "Reports"),
            (("Facebook", 81), ("TikTok", 39), ("Reddit", SUPPRESSED), ("Other", 0)),
            note="A report can name more than one platform.",
            chart="bar",
        ),
        Table(
            "trend",
            "Reports and cases by month",
            ("Month", "Reports", "Cases opened"),
            tuple((m, 10 + i, SUPPRESSED if i in (2, 7) else 5 + i) for i, m in enumerate(MONTHS)),
            chart="line",
        ),
        Table(
            "outcomes",
            "Outcomes of closed cases",
            ("Outcome", "Cases", "Share (%)"),
            (("No case to answer", 31, 42.5), ("Dismissal", SUPPRESSED, SUPPRESSED)),
        ),
        Table(
            "policies_expired",
            "Policies past their expiry date",
            ("Policy", "Version", "Expired on"),
            tuple((f"Policy number {i}", f"v{i}", f"{i} March 2024") for i in range(1, 80)),
        ),
    )


def _text(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() for page in reader.pages]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_pack_has_cover_summary_tables_and_page_numbers():
    figures = _all_kinds()
    pdf = committee_pack_render(figures)
    assert pdf.startswith(b"%PDF")
    _reader, pages = _text(pdf)
    everything = _squash(" ".join(pages))
    total = len(pages)

    cover = _squash(pages[0])
    assert "Social Media Policy — committee pack" in cover
    assert "1 April 2023 to 31 March 2024" in cover
    assert "Quality and Safety Committee" in cover
    assert "OFFICIAL" in cover
    assert "fewer than 5" in cover
    assert "8 April 2024, 10:05" in cover  # generated at, in UK time (BST)
    assert f"Page 1 of {total}" in cover

    summary = _squash(pages[1])
    for figure in ("214", "87", "91.5%", "Open cases over 60 working days"):
        assert figure in summary
    assert "Data breaches within 72 hours (%): fewer than 5." in summary
    assert "Facebook" in summary

    for table in figures.tables:
        if table.key not in ("summary", "policies_expired"):
            assert table.title in everything
    assert "Policy register status" in everything
    assert "A report can name more than one platform." in everything
    assert "fewer than 5" in everything
    for number in range(1, total + 1):
        assert f"Page {number} of {total}" in _squash(pages[number - 1])
        assert "1 April 2023 to 31 March 2024" in pages[number - 1]  # the header
    # The 79-policy register splits over pages with its header row repeated.
    assert sum("Expired on" in page for page in pages) >= 2
    assert "Policy number 79" in everything


def test_pack_draws_charts():
    pdf = committee_pack_render(_all_kinds())
    reader = PdfReader(io.BytesIO(pdf))
    # Bars are filled rectangles and lines are paths: look for path operators
    # beyond the page furniture's rules in the chart pages' content streams.
    chart_pages = [
        page.get_contents().get_data().decode("latin-1")
        for page in reader.pages
        if "Reports by platform" in page.extract_text()
        or "Reports and cases by month" in page.extract_text()
    ]
    assert chart_pages
    for content in chart_pages:
        assert re.search(r"\sre\s", content)  # rectangles (bars / grid)
        assert len(re.findall(r"\sl\s", content)) > 10  # line segments


def test_same_figures_same_bytes():
    assert committee_pack_render(_all_kinds()) == committee_pack_render(_all_kinds())


def test_custom_title_and_audience():
    pdf = committee_pack_render(
        _all_kinds(), title="Board pack <b>Q4</b>", prepared_for="Trust Board & Co"
    )
    _, pages = _text(pdf)
    cover = _squash(pages[0])
    assert "Board pack <b>Q4</b>" in cover  # escaped, not parsed as markup
    assert "Trust Board & Co" in cover


@pytest.mark.parametrize(
    "figures",
    [
        pytest.param(_figures(), id="no-tables"),
        pytest.param(
            _figures(
                Table("summary", "Summary", ("Measure", "Value"), ()),
                Table(
                    "by_platform", "Reports by platform", ("Platform", "Reports"), (), chart="bar"
                ),
                Table("trend", "Trend", ("Month", "Reports"), (), chart="line"),
                Table("outcomes", "Outcomes", ("Outcome", "Cases"), ()),
                Table("policies_expired", "Expired", ("Policy", "Version"), ()),
            ),
            id="empty-tables",
        ),
        pytest.param(
            _figures(
                Table("summary", "Summary", ("Measure", "Value"), (("Cases", SUPPRESSED),)),
                Table(
                    "by_platform",
                    "Reports by platform",
                    ("Platform", "Reports"),
                    (("Facebook", SUPPRESSED), ("TikTok", SUPPRESSED)),
                    chart="bar",
                ),
                Table(
                    "trend",
                    "Trend",
                    ("Month", "Reports", "Cases"),
                    tuple((m, SUPPRESSED, SUPPRESSED) for m in MONTHS),
                    chart="line",
                ),
            ),
            id="all-suppressed",
        ),
        pytest.param(
            _figures(
                Table(
                    "by_platform",
                    "Zeros",
                    ("Platform", "Reports"),
                    (("A", 0), ("B", 0)),
                    chart="bar",
                ),
                Table(
                    "trend",
                    "Zero trend",
                    ("Month", "Reports"),
                    tuple((m, 0) for m in MONTHS),
                    chart="line",
                ),
                Table("one", "One point", ("Month", "Reports"), (("Apr 2023", 7),), chart="line"),
                Table(
                    "many",
                    "Many bars",
                    ("Team", "Cases"),
                    tuple((f"Team {i} " + "with a very long name " * 3, i) for i in range(150)),
                    chart="bar",
                ),
                Table("wide", "Wide", tuple(f"Col {i}" for i in range(12)), ((1,) * 12,)),
                Table("ragged", "Ragged", ("A", "B"), (("x",), ("y", 1, None))),
            ),
            id="odd-shapes",
        ),
    ],
)
def test_awkward_figures_render(figures):
    _reader, pages = _text(committee_pack_render(figures))
    everything = _squash(" ".join(pages))
    assert f"Page 1 of {len(pages)}" in everything
    assert "1 April 2023 to 31 March 2024" in everything
    for table in figures.tables:
        if table.key not in ("summary", "policies_expired"):
            assert table.title in everything
    if any(
        t.key == "by_platform" and t.rows and all(r[1] == SUPPRESSED for r in t.rows)
        for t in figures.tables
    ):
        assert "fewer than 5" in everything


def test_summary_bullets_print_as_bullets():
    _reader, pages = _text(committee_pack_render(_all_kinds()))
    assert "•" in pages[1]
    assert "\x7f" not in pages[1]


# --- A pack that is stuck or failed is started again ---------------------------------


def _stuck_pack(**fields: object):
    from django.utils import timezone

    from governance.models import CommitteePack

    pack = CommitteePack.objects.create(
        start=dt.date(2024, 1, 1), end=dt.date(2024, 3, 31), period="month", **fields
    )
    CommitteePack.objects.filter(pk=pack.pk).update(
        requested_at=timezone.now() - dt.timedelta(minutes=2)
    )
    return pack


@pytest.mark.django_db
def test_a_stuck_pack_says_it_is_taking_longer_and_starts_again_on_retry(
    login, governance_member, django_capture_on_commit_callbacks
) -> None:
    from django.urls import reverse

    from governance.models import PackStatus

    client = login(governance_member)
    pack = _stuck_pack()
    page = client.get(reverse("governance:pack_detail", args=[pack.pk])).content.decode()
    assert "taking longer than usual" in page
    assert reverse("governance:pack_retry", args=[pack.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("governance:pack_retry", args=[pack.pk]))
    assert response.status_code == 302
    pack.refresh_from_db()
    assert pack.status == PackStatus.READY and pack.file


@pytest.mark.django_db
def test_outsider_gets_404_on_pack_retry(login, outsider) -> None:
    from django.urls import reverse

    from governance.models import PackStatus

    pack = _stuck_pack(status=PackStatus.FAILED, error="boom")
    client = login(outsider)
    assert client.post(reverse("governance:pack_retry", args=[pack.pk])).status_code == 404
    assert client.get(reverse("governance:pack_detail", args=[pack.pk])).status_code == 404
    pack.refresh_from_db()
    assert pack.status == PackStatus.FAILED


@pytest.mark.django_db
def test_a_failed_quarterly_pack_is_tried_again_by_the_schedule(
    django_capture_on_commit_callbacks,
) -> None:
    from governance.models import PackStatus
    from governance.services import pack_quarterly_due

    pack = _stuck_pack(scheduled=True, status=PackStatus.FAILED, error="boom")
    with django_capture_on_commit_callbacks(execute=True):
        assert pack_quarterly_due(today=dt.date(2024, 4, 8)) is None
    pack.refresh_from_db()
    assert pack.status == PackStatus.READY and pack.error == ""


def test_a_redelivered_pack_message_takes_its_own_claim_back_and_the_sweep_finds_lost_packs(
    db,
) -> None:
    import datetime as dt

    from django.utils import timezone

    from documents.produce import Claim
    from governance.models import CommitteePack, PackStatus
    from governance.services import pack_produce, packs_sweep

    now = timezone.now()
    claimed = CommitteePack.objects.create(
        start=dt.date(2024, 1, 1),
        end=dt.date(2024, 3, 31),
        period="month",
        status=PackStatus.RENDERING,
        started_at=now,
        claim="task-1",
        due_at=now + dt.timedelta(minutes=6),
    )
    # Another message is turned away inside the lease; the one whose pool child died is not.
    assert pack_produce(pack_id=claimed.pk, claim=Claim(token="task-2")) == "not claimed"
    assert pack_produce(pack_id=claimed.pk, claim=Claim(token="task-1")) == "ready"
    claimed.refresh_from_db()
    assert claimed.status == PackStatus.READY and claimed.due_at is None

    lost = CommitteePack.objects.create(
        start=dt.date(2024, 4, 1), end=dt.date(2024, 6, 30), period="month", due_at=now
    )
    fresh = CommitteePack.objects.create(
        start=dt.date(2024, 7, 1),
        end=dt.date(2024, 9, 30),
        period="month",
        due_at=now + dt.timedelta(minutes=1),
    )
    # Tasks run in this process: the sweep renders what it sends, and only what is due.
    assert packs_sweep(now=now + dt.timedelta(seconds=1)) == 1
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == PackStatus.READY and fresh.status == PackStatus.QUEUED


def test_the_pack_sweep_reads_only_what_is_due(db, django_assert_num_queries) -> None:
    from governance.services import packs_sweep

    with django_assert_num_queries(1):
        assert packs_sweep() == 0


def _with_totals() -> Figures:
    """Tables shaped as the figures build them: categories, then a "Total" row."""
    return _figures(
        Table(
            "by_platform",
            "Reports received by platform",
            ("Platform", "Reports received"),
            (("Facebook", 40), ("X (Twitter)", 25), ("Instagram", 15), (TOTAL, 80)),
            chart="bar",
        ),
        Table(
            "by_outcome",
            "Cases closed by how they ended",
            ("Outcome", "Cases closed"),
            (("Dismissed", 25), ("Dismissal", SUPPRESSED), (TOTAL, 30)),
            chart="bar",
        ),
        Table(
            "trend",
            "Reports by quarter",
            ("Period", "Reports received"),
            (("Q1 2024", 20), ("Q2 2024", 15), (TOTAL, 35)),
            chart="line",
        ),
    )


def test_key_points_pick_from_the_categories_never_the_total():
    _reader, pages = _text(committee_pack_render(_with_totals()))
    points = _squash(next(page for page in pages if "Key points" in page))
    assert (
        "Facebook was the top platform in “Reports received by platform”, with 40, 50% of the total."
        in points
    )
    assert "the highest was Dismissed (25)" in points
    assert "15 in Q2 2024, down from 20 in Q1 2024" in points
    assert "Total was" not in points and "was Total" not in points


@pytest.mark.parametrize("key", ["by_platform", "by_outcome", "trend"])
def test_charts_draw_the_categories_and_no_total(key):
    table = _with_totals().table(key)
    drawing, _note = (_bar_chart if table.chart == "bar" else _line_chart)(table)
    assert drawing is not None
    [chart] = [shape for shape in drawing.contents if hasattr(shape, "categoryAxis")]
    names = list(chart.categoryAxis.categoryNames)
    assert TOTAL not in [name.rstrip(" *") for name in names]
    assert len(names) == len(table.rows) - 1
    # The longest bar is the largest category, not the total.
    if table.chart == "bar":
        assert max(chart.data[0]) == 40 if key == "by_platform" else 25


def test_the_total_appears_once_per_table_in_the_pack():
    """In the table itself, not as a bar, a chart label or a key point."""
    _reader, pages = _text(committee_pack_render(_with_totals()))
    text = "\n".join(pages)
    assert len(re.findall(rf"^{TOTAL}\b", text, re.MULTILINE)) == 3
