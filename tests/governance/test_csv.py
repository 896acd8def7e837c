"""CSV export: one table, or every table zipped; formula injection neutralised."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest

from governance.csv_export import figures_csv_zip, neutralise, table_csv
from governance.figures import SUPPRESSED, Figures, Filters, Table
from governance.selectors import governance_figures
from tests.factories import CaseFactory, PrincipleFactory
from tests.governance.world import Q1_END, Q1_START, at


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            '=HYPERLINK("http://evil.example","click")',
            '\'=HYPERLINK("http://evil.example","click")',
        ),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Patient confidentiality", "Patient confidentiality"),
        (SUPPRESSED, SUPPRESSED),
        (3, "3"),
        (-1, "-1"),  # our own numbers are not formulas
        (80.0, "80.0"),
        (None, ""),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_table_csv():
    table = Table(
        key="by_principle",
        title="t",
        columns=("Principle", "Cases opened"),
        rows=(('=HYPERLINK("x")', 5), ("+1", SUPPRESSED), ("Plain, with a comma", 0)),
    )
    assert rows_of(table_csv(table)) == [
        ["Principle", "Cases opened"],
        ['\'=HYPERLINK("x")', "5"],
        ["'+1", SUPPRESSED],
        ["Plain, with a comma", "0"],
    ]


def test_principle_titles_from_the_database_come_out_neutralised(db, frozen):
    hostile = PrincipleFactory(title='=HYPERLINK("http://evil.example","Open")')
    plus = PrincipleFactory(title="+1 for patients")
    for principle in (hostile, plus):
        for _ in range(5):
            case = CaseFactory()
            case.principles.add(principle)
            type(case).objects.filter(pk=case.pk).update(created_at=at(2026, 2, 2))
    figures = governance_figures(Filters(start=Q1_START, end=Q1_END))
    archive = zipfile.ZipFile(io.BytesIO(figures_csv_zip(figures)))
    assert sorted(archive.namelist()) == sorted(f"{table.key}.csv" for table in figures.tables)
    principles = rows_of(archive.read("by_principle.csv").decode("utf-8-sig"))
    assert principles[:3] == [
        ["Principle", "Cases opened"],
        ["'+1 for patients", "5"],
        ['\'=HYPERLINK("http://evil.example","Open")', "5"],
    ]
    # The table's note, rounding included, follows the rows after a blank line.
    assert principles[3] == [] and len(principles) == 5
    assert principles[4][0].startswith("Note: A case can allege more than one principle")
    assert "rounded to the nearest 5" in principles[4][0]
    for name in archive.namelist():
        for row in rows_of(archive.read(name).decode("utf-8-sig")):
            assert not any(cell[:1] in ("=", "+", "@", "\t", "\r") for cell in row)


def test_a_note_follows_the_rows():
    table = Table(
        key="summary",
        title="t",
        columns=("Measure", "Number"),
        rows=(("Cases opened", 5),),
        note="Counts are rounded.",
    )
    assert rows_of(table_csv(table)) == [
        ["Measure", "Number"],
        ["Cases opened", "5"],
        [],
        ["Note: Counts are rounded."],
    ]


def test_zip_of_hand_made_figures():
    figures = Figures(
        filters=Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31)),
        generated_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
        tables=(
            Table(
                key="summary", title="t", columns=("Measure", "Number"), rows=(("Cases opened", 6),)
            ),
            Table(key="../evil key", title="t", columns=("a",), rows=()),
        ),
    )
    archive = zipfile.ZipFile(io.BytesIO(figures_csv_zip(figures)))
    assert archive.namelist() == ["summary.csv", "evil_key.csv"]
    assert archive.read("summary.csv").decode("utf-8-sig") == "Measure,Number\r\nCases opened,6\r\n"
