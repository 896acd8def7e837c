"""A small world of cases whose governance figures are worked out by hand in the tests.

The clock stands at Wednesday 15 April 2026, noon (London). The period is the
first quarter of 2026. Easter 2026: Good Friday 3 April, Easter Monday 6 April.

===  ============  ==========  ========  =========  ==========================  ==========
case opened        poster      reports   principles triage started / closed     state
===  ============  ==========  ========  =========  ==========================  ==========
c1   Mon 5 Jan     P1 Med      fb        A          7 Jan / 12 Jan dismissed    closed
c2   Mon 12 Jan    P1 Med      fb, ig*   A, B       13 Jan / 23 Feb 1st warning closed
c3   Mon 2 Feb     P2 Med      x         B          5 Feb                       investigation
c4   Mon 9 Feb     P3 Surg     x         A          9 Feb / 16 Feb informally   closed
c5   Mon 2 Mar     none        ig        -          -                           new
c6   Mon 16 Mar    P1 Med      fb        A          20 Mar                      triage
c7   Mon 15 Dec 25 P3 Surg     fb        -          - / 6 Jan withdrawn         closed
c8   Thu 2 Apr     P2 Med      fb        -          -                           new
c9   Mon 3 Nov 25  none        fb        -          -                           manager_review
c10  Tue 14 Apr    none        fb        -          -                           new
===  ============  ==========  ========  =========  ==========================  ==========

(*) c2's Instagram report came on Tue 20 Jan; its first report is the Facebook one.
Every other report was submitted when its case was opened, at 09:00.
Flags: safeguarding on c1, c6 and c7; data breach on c3 (assessed after 47 hours)
and c4 (assessed after 96 hours).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from casework.models import Case, CaseState, Closure, Outcome
from deadlines.models import Clock, Deadline
from directory.models import Directorate, User
from incidents.models import Platform
from policies.models import Principle
from tests.factories import (
    CaseFactory,
    DirectorateFactory,
    PolicyFactory,
    PolicyVersionFactory,
    PrincipleFactory,
    ReportFactory,
    ServiceFactory,
    UserFactory,
)

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 4, 15, 12, 0, tzinfo=LONDON)
Q1_START, Q1_END = dt.date(2026, 1, 1), dt.date(2026, 3, 31)


def at(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=LONDON)


@dataclass
class World:
    medicine: Directorate
    surgery: Directorate
    principle_a: Principle
    principle_b: Principle
    posters: dict[str, User]
    cases: dict[str, Case]


def make_case(
    *,
    opened: dt.datetime,
    platform: str = Platform.FACEBOOK,
    reporter: User | None = None,
    **fields: object,
) -> Case:
    case = CaseFactory(**fields)
    Case.objects.filter(pk=case.pk).update(created_at=opened)
    ReportFactory(
        case=case,
        platform=platform,
        submitted_at=opened,
        seen_at=opened - dt.timedelta(hours=1),
        **({"reporter": reporter} if reporter else {}),
    )
    case.refresh_from_db()
    return case


def deadline(
    case: Case,
    clock: str,
    due: dt.datetime,
    met: dt.datetime | None = None,
    cancelled: dt.datetime | None = None,
) -> Deadline:
    return Deadline.objects.create(
        case=case,
        clock=clock,
        started_at=due - dt.timedelta(days=3),
        due_at=due,
        escalate_at=due + dt.timedelta(days=2),
        met_at=met,
        cancelled_at=cancelled,
    )


def world_build() -> World:
    """The world of the table above; the clock must already stand at NOW."""
    medicine = DirectorateFactory(name="Medicine")
    surgery = DirectorateFactory(name="Surgery")
    p1 = UserFactory(
        first_name="Penny", last_name="Poster", service=ServiceFactory(directorate=medicine)
    )
    p2 = UserFactory(
        first_name="Peter", last_name="Poster", service=ServiceFactory(directorate=medicine)
    )
    p3 = UserFactory(
        first_name="Priya", last_name="Poster", service=ServiceFactory(directorate=surgery)
    )
    reporter = UserFactory(first_name="Rita", last_name="Reporter", service=None)

    social_media = PolicyFactory(slug="social-media", title="Social Media Policy")
    v6 = PolicyVersionFactory(policy=social_media, version="6", expires_on=dt.date(2019, 6, 29))
    PolicyVersionFactory(
        policy=social_media,
        version="7",
        ratified_on=dt.date(2024, 1, 1),
        expires_on=dt.date(2027, 1, 1),
    )
    PolicyVersionFactory(
        policy=PolicyFactory(slug="conduct", title="Staff Conduct Guidance"),
        version="2",
        expires_on=dt.date(2026, 4, 14),
    )
    a = PrincipleFactory(version=v6, title="Patient confidentiality")
    b = PrincipleFactory(version=v6, title="Bringing the Trust into disrepute")

    closed = CaseState.CLOSED
    c1 = make_case(
        opened=at(2026, 1, 5),
        reporter=reporter,
        poster=p1,
        state=closed,
        closure=Closure.DISMISSED,
        triage_started_at=at(2026, 1, 7),
        closed_at=at(2026, 1, 12, 10),
        flag_safeguarding=True,
    )
    c2 = make_case(
        opened=at(2026, 1, 12),
        reporter=reporter,
        poster=p1,
        state=closed,
        closure=Closure.OUTCOME,
        outcome=Outcome.FIRST_WRITTEN_WARNING,
        triage_started_at=at(2026, 1, 13),
        closed_at=at(2026, 2, 23, 15),
    )
    ReportFactory(
        case=c2,
        reference=f"{c2.reference}-2",
        reporter=reporter,
        platform=Platform.INSTAGRAM,
        submitted_at=at(2026, 1, 20),
        seen_at=at(2026, 1, 19),
    )
    c3 = make_case(
        opened=at(2026, 2, 2),
        platform=Platform.X,
        reporter=reporter,
        poster=p2,
        state=CaseState.INVESTIGATION,
        triage_started_at=at(2026, 2, 5),
        flag_data_breach=True,
        data_breach_aware_at=at(2026, 2, 3, 10),
        data_breach_assessed_at=at(2026, 2, 5, 9),
    )
    c4 = make_case(
        opened=at(2026, 2, 9),
        platform=Platform.X,
        reporter=reporter,
        poster=p3,
        state=closed,
        closure=Closure.RESOLVED_INFORMALLY,
        triage_started_at=at(2026, 2, 9, 14),
        closed_at=at(2026, 2, 16, 11),
        flag_data_breach=True,
        data_breach_aware_at=at(2026, 2, 9, 10),
        data_breach_assessed_at=at(2026, 2, 13, 10),
    )
    c5 = make_case(opened=at(2026, 3, 2), platform=Platform.INSTAGRAM, reporter=reporter)
    c6 = make_case(
        opened=at(2026, 3, 16),
        reporter=reporter,
        poster=p1,
        state=CaseState.TRIAGE,
        triage_started_at=at(2026, 3, 20),
        flag_safeguarding=True,
    )
    c7 = make_case(
        opened=at(2025, 12, 15),
        reporter=reporter,
        poster=p3,
        state=closed,
        closure=Closure.WITHDRAWN,
        closed_at=at(2026, 1, 6, 16),
        flag_safeguarding=True,
    )
    c8 = make_case(opened=at(2026, 4, 2), reporter=reporter, poster=p2)
    c9 = make_case(opened=at(2025, 11, 3), reporter=reporter, state=CaseState.MANAGER_REVIEW)
    c10 = make_case(opened=at(2026, 4, 14), reporter=reporter)
    for case, principles in ((c1, [a]), (c2, [a, b]), (c3, [b]), (c4, [a]), (c6, [a])):
        case.principles.set(principles)

    # Triage-start deadlines: c1's met late, the rest met in time; c5's cancelled; c8's due after the period.
    deadline(c1, Clock.TRIAGE_START, due=at(2026, 1, 6, 17), met=at(2026, 1, 7))
    deadline(c2, Clock.TRIAGE_START, due=at(2026, 1, 13, 17), met=at(2026, 1, 13))
    deadline(c3, Clock.TRIAGE_START, due=at(2026, 2, 5, 17), met=at(2026, 2, 5))
    deadline(c4, Clock.TRIAGE_START, due=at(2026, 2, 10, 17), met=at(2026, 2, 9, 14))
    deadline(c6, Clock.TRIAGE_START, due=at(2026, 3, 20, 17), met=at(2026, 3, 20))
    deadline(c5, Clock.TRIAGE_START, due=at(2026, 3, 4, 17), cancelled=at(2026, 3, 3))
    deadline(c8, Clock.TRIAGE_START, due=at(2026, 4, 7, 17))
    # The decision on c2 came a working day late.
    deadline(c2, Clock.DECISION, due=at(2026, 2, 20, 17), met=at(2026, 2, 23, 15))

    return World(
        medicine=medicine,
        surgery=surgery,
        principle_a=a,
        principle_b=b,
        posters={"p1": p1, "p2": p2, "p3": p3},
        cases={
            f"c{i}": case
            for i, case in enumerate((c1, c2, c3, c4, c5, c6, c7, c8, c9, c10), start=1)
        },
    )
