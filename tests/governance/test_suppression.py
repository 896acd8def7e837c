"""Small-number suppression: primary, secondary (the subtraction case), complements, derived figures."""

from __future__ import annotations

from governance.figures import SUPPRESSED, Table
from governance.suppression import suppress

S = SUPPRESSED


def bar(key: str, *rows: tuple) -> Table:
    return Table(key=key, title="t", columns=("Label", "Cases opened"), rows=rows, chart="bar")


def test_a_three_becomes_fewer_than_five_and_zero_and_five_stay():
    table = Table(key="summary", title="t", columns=("Measure", "Number"),
                  rows=(("Reports received", 3), ("Cases opened", 0), ("Cases closed", 5)))
    assert suppress(table).rows == (("Reports received", S), ("Cases opened", 0), ("Cases closed", 5))


def test_a_total_with_one_suppressed_cell_does_not_reveal_it():
    # Without the rule: 20 - 12 - 5 = 3 would give Surgery away.
    table = bar("by_directorate", ("Medicine", 12), ("Surgery", 3), ("Women's", 5), ("Total", 20))
    rows = suppress(table).rows
    assert rows == (("Medicine", 12), ("Surgery", S), ("Women's", S), ("Total", 20))
    # Whatever one does with the shown cells, two unknowns remain.
    shown = [value for _, value in rows[:-1] if value != S]
    assert 20 - sum(shown) == 8 and sum(1 for _, value in rows[:-1] if value == S) == 2


def test_secondary_keeps_going_until_the_hidden_cells_hold_five():
    # 1 + 2 = 3: hiding just these two would still bound each to 1 or 2 -- hide the next one (6) too.
    table = bar("by_platform", ("A", 1), ("B", 2), ("C", 6), ("D", 9), ("Total", 18))
    table = Table(key="by_platform", title="t", columns=("Platform", "Reports received"), rows=table.rows)
    assert suppress(table).rows == (("A", S), ("B", S), ("C", S), ("D", 9), ("Total", 18))


def test_all_ones_are_not_left_deducible():
    # Five ones adding up to a shown total of 5 would each be known to be 1: the 7 goes too.
    table = bar("by_directorate", *((f"D{i}", 1) for i in range(5)), ("E", 7), ("Total", 12))
    rows = suppress(table).rows
    assert [value for _, value in rows] == [S, S, S, S, S, S, 12]


def test_when_nothing_is_left_to_hide_the_total_goes():
    table = bar("by_directorate", ("Medicine", 3), ("Surgery", 0), ("Total", 3))
    assert suppress(table).rows == (("Medicine", S), ("Surgery", 0), ("Total", S))
    table = bar("open_by_age", ("Under 5", 1), ("5 to 20", 1), ("Total", 2))
    assert suppress(table).rows == (("Under 5", S), ("5 to 20", S), ("Total", S))


def test_zeros_are_never_used_as_secondary_cells():
    table = bar("by_outcome", ("Withdrawn", 4), ("Dismissed", 0), ("Dismissal", 8), ("Total", 12))
    assert suppress(table).rows == (("Withdrawn", S), ("Dismissed", 0), ("Dismissal", S), ("Total", 12))


def test_nothing_small_nothing_hidden():
    table = bar("by_directorate", ("Medicine", 12), ("Surgery", 0), ("Total", 12))
    assert suppress(table).rows == table.rows


def test_deadline_shares_and_their_complements():
    table = Table(
        key="deadlines_met", title="t", columns=("Stage", "Due in period", "Met in time", "Share met (%)"),
        rows=(
            ("all fine", 20, 10, 50.0),
            ("three met", 20, 3, 15.0),  # primary
            ("three missed", 20, 17, 85.0),  # 20 - 17 = 3 would be given away
            ("few due", 4, 4, 100.0),  # base under 5
            ("none met of few", 2, 0, 0.0),
            ("none due", 0, 0, None),
        ),
    )
    assert suppress(table).rows == (
        ("all fine", 20, 10, 50.0),
        ("three met", 20, S, S),
        ("three missed", 20, S, S),
        ("few due", S, S, S),
        ("none met of few", S, 0, S),
        ("none due", 0, 0, None),
    )


def test_medians_from_fewer_than_five_cases_are_hidden():
    table = Table(key="timings", title="t",
                  columns=("Measure", "Cases", "Median working days", "90th percentile working days"),
                  rows=(("a", 5, 2.0, 4), ("b", 4, 9.0, 30), ("c", 0, None, None)))
    assert suppress(table).rows == (("a", 5, 2.0, 4), ("b", S, S, S), ("c", 0, None, None))


def test_flags_share():
    table = Table(key="flags", title="t",
                  columns=("Flag", "Cases flagged", "Assessed within 72 hours", "Share assessed within 72 hours (%)"),
                  rows=(("Safeguarding", 7, None, None), ("Breach", 10, 10, 100.0), ("Other", 10, 8, 80.0)))
    assert suppress(table).rows == (("Safeguarding", 7, None, None), ("Breach", 10, 10, 100.0),
                                    ("Other", 10, S, S))


def test_trend_cells_and_register_data():
    trend = Table(key="trend", title="t", columns=("Period", "Reports received", "Cases opened", "Cases closed"),
                  rows=(("Jan 2026", 7, 1, 0),))
    assert suppress(trend).rows == (("Jan 2026", 7, S, 0),)
    policies = Table(key="policies_expired", title="t", columns=("Policy", "Version", "Expired on"),
                     rows=(("Social Media Policy", "3", "2019-06-29"),))
    assert suppress(policies) == policies


def test_an_unknown_table_suppresses_its_integer_columns():
    table = Table(key="something_new", title="t", columns=("Label", "n", "m"), rows=(("a", 2, 9), ("b", 7, 1)))
    assert suppress(table).rows == (("a", S, 9), ("b", 7, S))
