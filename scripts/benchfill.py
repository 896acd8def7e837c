"""The benchmark database's shape, filled by server-side SQL; shared by the ``scripts/bench_*.py``.

Not part of the application. Every benchmark that needs a big database fills it here, so the
governance, access and pages benchmarks measure the same shape:

* :func:`fill` — staff, cases, reports, principles and deadlines: 5,055 staff in 40 services with
  line managers (eight reports each, four levels) and every role; cases spread evenly over
  ``years`` back from today in every state (most closed), with the people each state implies
  (triage officer, line manager, investigator, decision maker); one to three reports each;
  the deadline rows of the stages each case went through.
* :func:`fill_pages` — what the pages read on top of that: handle links, an evidence link per
  report, evidence files, the timeline (about 3.7 events a case), ``audit_rows`` sealed audit
  rows, notifications, and the worst cases the pages must still serve quickly (see ``Cast``).

Each step prints its row count and time. The secondary indexes of the big tables are dropped
before the fill and built again after it (far quicker than keeping them up to date row by
row), and foreign keys and triggers are not checked during it
(``session_replication_role = replica``): every value is chosen to be valid.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.models import Model

PLATFORMS = [
    "facebook",
    "facebook",
    "facebook",
    "x",
    "x",
    "instagram",
    "instagram",
    "tiktok",
    "tiktok",
    "linkedin",
    "youtube",
    "blog",
    "flickr",
    "other",
]
USERS = 5_055
# Who manages whom: user n (counted from 1) reports to user n // MANAGER_SPAN; users 1 to 7 to nobody.
MANAGER_SPAN = 8
HANDLE_LINKS = 2_000
NOTIFICATIONS = 514_000
INBOX = 10_000
REPORTER_REPORTS = 50
POSTER_CASES = 500
WORST_REPORTS = 30
WORST_EVENTS = 200
# The tables whose indexes are dropped during the fill and built again after it.
BIG_TABLES = [
    "casework_case",
    "casework_case_principles",
    "incidents_report",
    "incidents_evidencelink",
    "incidents_evidencefile",
    "casework_caseevent",
    "audit_auditevent",
    "deadlines_deadline",
    "notifications_notification",
]


@dataclass(frozen=True)
class Cast:
    """Who is who among the filled staff: user numbers counted from 1, in the order inserted.

    Users 5,001 to 5,054 hold the roles; every member of staff may also report, be reported on and
    manage (users 1 to 631 manage someone).
    """

    hr_leads: range = range(5001, 5006)
    triage_officers: range = range(5006, 5016)
    investigators: range = range(5016, 5036)
    safeguarding_leads: range = range(5036, 5039)
    ig_leads: range = range(5039, 5042)
    communications_leads: range = range(5042, 5045)
    governance: range = range(5045, 5053)
    administrators: range = range(5053, 5055)
    # The reporter with exactly REPORTER_REPORTS reports (every other member of staff has ~250).
    reporter: int = 5055
    # The poster of POSTER_CASES extra cases, one of which is the worst case.
    poster: int = 3000
    # The one with INBOX notifications (an HR lead, not the first, who is the HR lead persona).
    inbox: int = 5002
    # A line manager with eight direct reports, each the poster of ~140 cases.
    line_manager: int = 10


CAST = Cast()


def s(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def run(label: str, sql: str) -> int:
    from django.db import connection

    step = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.rowcount
    print(f"  {label}: {rows:,} rows in {s(time.perf_counter() - step)}", flush=True)
    return rows


def insert(model: type[Model], expressions: dict[str, str], source: str) -> str:
    """``INSERT INTO table (every column but id) SELECT …`` with a neutral value for every column not given."""
    from django.db.models import BooleanField, CharField, JSONField, TextField

    columns, values = [], []
    for field in model._meta.concrete_fields:
        column = field.column
        if field.primary_key and column not in expressions:
            continue
        if column in expressions:
            value = expressions[column]
        elif field.null:
            value = "NULL"
        elif isinstance(field, BooleanField):
            value = "TRUE" if field.get_default() else "FALSE"
        elif isinstance(field, (CharField, TextField)):
            value = f"'{field.get_default() or ''}'"
        elif isinstance(field, JSONField):
            value = "'{}'::jsonb"
        elif field.has_default() and isinstance(field.get_default(), int):
            value = str(field.get_default())
        else:
            raise ValueError(f"No value for {model.__name__}.{field.name}")
        columns.append(f'"{column}"')
        values.append(value)
    return f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) SELECT {", ".join(values)} {source}'


def _one(sql: str) -> tuple:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


# --- Indexes off during the fill -----------------------------------------------------------


def indexes_drop(tables: list[str]) -> list[str]:
    """Drop every index of ``tables`` but the primary keys; return the statements that rebuild them."""
    from django.db import connection

    rebuild: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            WHERE c.contype = 'u' AND c.conrelid::regclass::text = ANY(%s)
            """,
            [tables],
        )
        constraints = cursor.fetchall()
        for table, name, definition in constraints:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            rebuild.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE NOT i.indisprimary AND i.indrelid::regclass::text = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """,
            [tables],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f"DROP INDEX {name}")
            rebuild.append(definition)
    return rebuild


def indexes_build(statements: list[str]) -> None:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    print(
        f"  {len(statements)} indexes built again in {s(time.perf_counter() - started)}", flush=True
    )


def _session() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET session_replication_role = replica")  # no FK or trigger checks
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("SELECT setseed(0.2026)")


def _session_end() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")


def vacuum_analyze() -> None:
    from django.db import connection

    step = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"  vacuum analyze in {s(time.perf_counter() - step)}", flush=True)


# --- Staff, cases, reports, deadlines ------------------------------------------------------


def _roles(user_min: int) -> None:
    from directory.models import Role, User, role_group

    groups = {
        Role.HR_LEAD: CAST.hr_leads,
        Role.TRIAGE_OFFICER: CAST.triage_officers,
        Role.HR_INVESTIGATOR: CAST.investigators,
        Role.SAFEGUARDING_LEAD: CAST.safeguarding_leads,
        Role.IG_LEAD: CAST.ig_leads,
        Role.COMMUNICATIONS_LEAD: CAST.communications_leads,
        Role.GOVERNANCE: CAST.governance,
        Role.ADMINISTRATOR: CAST.administrators,
    }
    through = User.groups.through._meta.db_table
    selects = []
    for role, numbers in groups.items():
        group = role_group(role)
        selects.append(
            f"SELECT {user_min - 1} + n, {group.pk} FROM generate_series({numbers.start}, {numbers.stop - 1}) n"
        )
    run("roles", f'INSERT INTO "{through}" (user_id, group_id) ' + " UNION ALL ".join(selects))


def fill(*, cases: int, years: int) -> None:
    """Staff, cases, reports, principles and deadlines (what the governance figures read); then ANALYZE."""
    started = time.perf_counter()
    _session()
    rebuild = indexes_drop(BIG_TABLES)
    fill_core(cases=cases, years=years)
    indexes_build(rebuild)
    _session_end()
    vacuum_analyze()
    print(f"  filled in {s(time.perf_counter() - started)}", flush=True)


def fill_core(*, cases: int, years: int) -> None:
    from casework.models import Case
    from deadlines.models import Clock, Deadline
    from deadlines.services import rule_for
    from directory.models import Directorate, Service, User
    from incidents.models import Report
    from policies.models import Principle
    from policies.services import register_load

    register_load()
    for kind in Clock:
        rule_for(kind)
    services = []
    for d in range(8):
        directorate = Directorate.objects.create(name=f"Bench directorate {d + 1}")
        services += [
            Service.objects.create(directorate=directorate, name=f"Service {n + 1}")
            for n in range(5)
        ]
    service_ids = ",".join(str(service.pk) for service in services)
    directorate_ids = ",".join(str(service.directorate_id) for service in services)
    principle_ids = ",".join(
        str(pk) for pk in Principle.objects.order_by("pk").values_list("pk", flat=True)
    )
    span = years * 365 * 86400
    platforms = ",".join(f"'{p}'" for p in PLATFORMS)
    (user_min,) = _one('SELECT coalesce(max(id), 0) + 1 FROM "directory_user"')
    user_min = max(user_min, 1)
    _one(f"SELECT setval(pg_get_serial_sequence('directory_user', 'id'), {user_min}, false)")

    def user(number: str) -> str:
        return f"({user_min - 1} + ({number}))"

    run(
        "staff",
        insert(
            User,
            {
                "password": "'!'",
                "is_superuser": "FALSE",
                "first_name": "(ARRAY['Alex','Sam','Jo','Priya','Tom','Aisha','Chris','Mei','Ola','Ruth'])[1 + g % 10]",
                "last_name": "'Person ' || g",
                "email": "'bench.' || g || '@trust.example'",
                "job_title": "CASE WHEN g < 632 THEN 'Team leader' ELSE 'Nurse' END",
                "is_staff": "FALSE",
                "is_active": "TRUE",
                "date_joined": "now() - interval '4 years'",
                "employment_type": "'permanent'",
                "email_preference": "'immediate'",
                "service_id": f"(ARRAY[{service_ids}])[1 + g % {len(services)}]",
                "line_manager_id": f"CASE WHEN g >= {MANAGER_SPAN} THEN {user(f'g / {MANAGER_SPAN}')} END",
            },
            f"FROM generate_series(1, {USERS}) g",
        ),
    )
    _roles(user_min)
    # Reporters and posters are drawn from the first 5,054 (not the 50-report reporter).
    staff = USERS - 1

    def member(fraction: str) -> str:
        return user(f"1 + floor({fraction} * {staff})::int")

    # r0: age, r1: state, r2: closure/outcome, r3: triage delay, r4: time to close, r5: flags,
    # r6: poster, r7: breach delay.
    created = f"(now() - make_interval(secs => r0 * {span}))"
    closed = f"(r1 < 0.88 AND r0 * {span} > 86400 * 3)"
    state = (
        f"CASE WHEN {closed} THEN 'closed' WHEN r1 < 0.91 THEN 'new' WHEN r1 < 0.94 THEN 'triage' "
        "WHEN r1 < 0.96 THEN 'manager_review' WHEN r1 < 0.985 THEN 'investigation' ELSE 'decision' END"
    )
    closure = (
        f"CASE WHEN NOT {closed} THEN '' WHEN r2 < 0.04 THEN 'withdrawn' WHEN r2 < 0.34 THEN 'dismissed' "
        "WHEN r2 < 0.67 THEN 'resolved_informally' ELSE 'outcome' END"
    )
    step = max(2, cases // POSTER_CASES)
    poster = (
        f"CASE WHEN g % {step} = {step // 2} THEN {user(str(CAST.poster))} "
        f"WHEN r6 < 0.7 THEN {member('r6 / 0.7')} END"
    )
    run(
        "cases",
        insert(
            Case,
            {
                "reference": "'BEN-' || lpad(g::text, 8, '0')",
                "state": "state",
                "revision": "1",
                "created_at": "created",
                "updated_at": "CASE WHEN closed_at IS NOT NULL THEN closed_at ELSE created END",
                "poster_id": "poster_id",
                "poster_handle": "CASE WHEN poster_id IS NULL AND r6 >= 0.85 THEN '@handle_' || (g % 5000) ELSE '' END",
                "poster_handle_key": "CASE WHEN poster_id IS NULL AND r6 >= 0.85 THEN 'handle_' || (g % 5000) ELSE '' END",
                "directorate_id": f"CASE WHEN poster_id IS NOT NULL THEN (ARRAY[{directorate_ids}])"
                f"[1 + (poster_id - {user_min - 1}) % {len(services)}] END",
                "triage_started_at": "triage_started_at",
                "triaged_by_id": f"CASE WHEN triage_started_at IS NOT NULL THEN "
                f"{user(f'{CAST.triage_officers.start} + g % {len(CAST.triage_officers)}')} END",
                "triage_summary": "CASE WHEN triage_started_at IS NOT NULL THEN 'A post about work.' ELSE '' END",
                "line_manager_id": f"CASE WHEN poster_id IS NOT NULL AND (poster_id - {user_min - 1}) >= {MANAGER_SPAN} "
                "AND (state IN ('manager_review', 'investigation', 'decision') "
                "OR closure IN ('resolved_informally', 'outcome')) "
                f"THEN {user(f'(poster_id - {user_min - 1}) / {MANAGER_SPAN}')} END",
                "routed_at": "CASE WHEN state IN ('manager_review', 'investigation', 'decision') "
                "OR closure IN ('resolved_informally', 'outcome') "
                "THEN triage_started_at + interval '1 day' END",
                "investigator_id": "CASE WHEN investigated THEN "
                f"{user(f'{CAST.investigators.start} + g % {len(CAST.investigators)}')} END",
                "decision_maker_id": "CASE WHEN investigated THEN "
                f"{user(f'{CAST.hr_leads.start} + g % {len(CAST.hr_leads)}')} END",
                "investigation_started_at": "CASE WHEN investigated THEN triage_started_at + interval '2 days' END",
                "findings_submitted_at": "CASE WHEN state = 'decision' OR closure = 'outcome' "
                "THEN coalesce(closed_at - interval '3 days', triage_started_at + interval '20 days') END",
                "decided_at": "CASE WHEN closure = 'outcome' THEN closed_at END",
                "closure": "closure",
                "dismissal_reason": "CASE WHEN closure = 'dismissed' THEN 'no_breach' ELSE '' END",
                "outcome": "CASE WHEN closure = 'outcome' THEN (ARRAY['no_case_to_answer','informal_management',"
                "'first_written_warning','final_written_warning','dismissal','referral_regulator',"
                "'referral_police'])[1 + (g % 7)] ELSE '' END",
                "outcome_rationale": "CASE WHEN closure = 'outcome' THEN 'As found.' ELSE '' END",
                "closed_at": "closed_at",
                "flag_safeguarding": "r5 < 0.05",
                "safeguarding_flagged_at": "CASE WHEN r5 < 0.05 THEN created END",
                "flag_data_breach": "r5 >= 0.05 AND r5 < 0.13",
                "data_breach_aware_at": "CASE WHEN r5 >= 0.05 AND r5 < 0.13 THEN created END",
                "data_breach_assessed_at": "CASE WHEN r5 >= 0.05 AND r5 < 0.13 THEN created "
                "+ make_interval(secs => r7 * 3600 * 100) END",
                "flag_official_account": "r5 >= 0.97",
            },
            "FROM (SELECT *, (state IN ('investigation', 'decision') OR closure = 'outcome') investigated, "
            f"CASE WHEN closure = 'withdrawn' THEN NULL WHEN state <> 'new' "
            "THEN created + make_interval(secs => r3 * least(172800, age * 0.9)) END triage_started_at, "
            # Closed after a day to two months, and never later than an hour ago.
            "CASE WHEN state = 'closed' THEN created + make_interval(secs => "
            "least(86400 + r4 * 86400 * 60, age - 3600)) END closed_at "
            f"FROM (SELECT *, r0 * {span} age, {created} created, {state} state, {closure} closure, {poster} poster_id "
            "FROM (SELECT g, random() r0, random() r1, random() r2, random() r3, random() r4, random() r5, "
            f"random() r6, random() r7 FROM generate_series(1, {cases}) g) a) b) c "
            "ORDER BY g",
        ),
    )
    run(
        "reports",
        insert(
            Report,
            {
                "reference": "c.reference || '-' || k",
                "case_id": "c.id",
                "reporter_id": user(f"1 + (c.id * 7 + k * 131) % {staff}"),
                "submitted_at": "c.created_at + make_interval(hours => (k - 1) * 5)",
                "submission_token": "gen_random_uuid()",
                "platform": f"(ARRAY[{platforms}])[1 + (c.id * 31) % {len(PLATFORMS)}]",
                "seen_at": "c.created_at - interval '3 hours'",
                "description": "'A post that names the trust and shows a ward.'",
                "poster_kind": "CASE WHEN c.poster_id IS NOT NULL THEN 'colleague' WHEN c.poster_handle <> '' "
                "THEN 'handle' ELSE 'unknown' END",
                "poster_id": "c.poster_id",
                "poster_handle": "c.poster_handle",
                "poster_handle_key": "c.poster_handle_key",
                "shows_patient": "'no'",
                "welfare_risk": "'no'",
                "confidential": "c.id % 11 = 0",
            },
            'FROM "casework_case" c CROSS JOIN LATERAL generate_series(1, 1 + (c.id % 5 = 0)::int '
            "+ (c.id % 17 = 0)::int) k",
        ),
    )
    through = Case.principles.through._meta.db_table
    count = principle_ids.count(",") + 1
    run(
        "case principles",
        f'INSERT INTO "{through}" (case_id, principle_id) '
        f"SELECT c.id, (ARRAY[{principle_ids}])[1 + (c.id * 13) % {count}] "
        'FROM "casework_case" c UNION '
        f"SELECT c.id, (ARRAY[{principle_ids}])[1 + (c.id * 29 + 5) % {count}] "
        'FROM "casework_case" c WHERE c.id % 3 = 0',
    )

    # Deadlines: the stage clocks each case went through, met on time about four times in five.
    stages = [
        ("triage_start", "c.created_at", "1", "c.triage_started_at", "TRUE"),
        (
            "triage_complete",
            "c.triage_started_at",
            "3",
            "coalesce(c.routed_at, c.closed_at)",
            "c.triage_started_at IS NOT NULL",
        ),
        (
            "manager_decision",
            "c.routed_at",
            "5",
            "coalesce(c.investigation_started_at, c.closed_at)",
            "c.routed_at IS NOT NULL",
        ),
        (
            "investigation",
            "c.investigation_started_at",
            "28",
            "c.findings_submitted_at",
            "c.investigation_started_at IS NOT NULL",
        ),
        (
            "decision",
            "c.findings_submitted_at",
            "7",
            "c.decided_at",
            "c.findings_submitted_at IS NOT NULL",
        ),
        (
            "safeguarding",
            "c.safeguarding_flagged_at",
            "0.1667",
            "c.safeguarding_flagged_at + make_interval(secs => (c.id % 10) * 2400)",
            "c.flag_safeguarding",
        ),
        (
            "data_breach",
            "c.data_breach_aware_at",
            "3",
            "c.data_breach_assessed_at",
            "c.flag_data_breach",
        ),
    ]
    for clock, start, days, met, condition in stages:
        due = f"({start} + make_interval(secs => {days} * 86400))"
        remind = f"({start} + make_interval(secs => {days} * 43200))"
        escalate = f"({due} + interval '2 days')"
        # An open deadline whose moments have passed has had its emails; its next one is ahead.
        open_ = f"(({met}) IS NULL AND c.state <> 'closed')"
        run(
            f"deadlines {clock}",
            insert(
                Deadline,
                {
                    "case_id": "c.id",
                    "clock": f"'{clock}'",
                    "cycle": "0",
                    "started_at": start,
                    "due_at": due,
                    "remind_at": remind,
                    "escalate_at": escalate,
                    "met_at": f"CASE WHEN ({met}) <= now() THEN {met} END",
                    "cancelled_at": f"CASE WHEN c.state = 'closed' AND ({met}) IS NULL THEN c.closed_at END",
                    "reminder_sent_at": f"CASE WHEN {open_} AND {remind} <= now() THEN {remind} END",
                    "overdue_sent_at": f"CASE WHEN {open_} AND {due} <= now() THEN {due} END",
                    "escalated_at": f"CASE WHEN {open_} AND {escalate} <= now() THEN {escalate} END",
                    "next_action_at": f"CASE WHEN NOT {open_} THEN NULL WHEN {remind} > now() THEN {remind} "
                    f"WHEN {due} > now() THEN {due} WHEN {escalate} > now() THEN {escalate} END",
                },
                f'FROM "casework_case" c WHERE {condition}',
            ),
        )
    run(
        "cases' next due",
        'UPDATE "casework_case" c SET next_due_at = d.due FROM (SELECT case_id, min(due_at) due '
        'FROM "deadlines_deadline" WHERE met_at IS NULL AND cancelled_at IS NULL GROUP BY case_id) d '
        "WHERE d.case_id = c.id",
    )


# --- What the pages read on top ------------------------------------------------------------


def fill_pages(*, audit_rows: int) -> None:
    """Handle links, evidence, the timeline, the audit trail, notifications and the worst cases."""
    from casework.models import Case, CaseEvent
    from incidents.models import EvidenceLink, Report
    from notifications.models import Notification, NotificationKind

    case_min, case_max = _one('SELECT min(id), max(id) FROM "casework_case"')
    (user_min,) = _one('SELECT min(id) FROM "directory_user"')
    ncases = case_max - case_min + 1

    def user(number: str) -> str:
        return f"({user_min - 1} + ({number}))"

    staff = USERS - 1
    handle_links(user_min=user_min)
    run(
        "evidence links",
        insert(
            EvidenceLink,
            {
                "report_id": "r.id",
                "url": "'https://www.' || r.platform || '.example/posts/' || r.case_id",
                "normalised_url": "r.platform || '.example/posts/' || r.case_id",
                "platform": "r.platform",
                "added_by_id": "r.reporter_id",
                "added_at": "r.submitted_at",
            },
            'FROM "incidents_report" r',
        ),
    )
    evidence_files()

    # The worst case: one of the poster's cases, with WORST_REPORTS reports and WORST_EVENTS events.
    (worst,) = _one(
        f'SELECT id FROM "casework_case" WHERE poster_id = {user(str(CAST.poster))} '
        "ORDER BY state = 'investigation' DESC, id DESC LIMIT 1"
    )
    (have,) = _one(f'SELECT count(*) FROM "incidents_report" WHERE case_id = {worst}')
    run(
        "the worst case's reports",
        insert(
            Report,
            {
                "reference": "c.reference || '-' || k",
                "case_id": "c.id",
                "reporter_id": user(f"1 + (k * 97) % {staff}"),
                "submitted_at": "c.created_at + make_interval(hours => k)",
                "submission_token": "gen_random_uuid()",
                "platform": "'facebook'",
                "seen_at": "c.created_at - interval '3 hours'",
                "description": "'The same post, seen again.'",
                "poster_kind": "'colleague'",
                "poster_id": "c.poster_id",
                "poster_handle": "''",
                "poster_handle_key": "''",
                "shows_patient": "'no'",
                "welfare_risk": "'no'",
                "confidential": "FALSE",
            },
            f'FROM "casework_case" c CROSS JOIN generate_series({have + 1}, {WORST_REPORTS}) k WHERE c.id = {worst}',
        ),
    )
    # The reporter with exactly REPORTER_REPORTS reports: the first report of that many cases.
    run(
        "the 50-report reporter",
        f'UPDATE "incidents_report" SET reporter_id = {user(str(CAST.reporter))} WHERE id IN '
        f"(SELECT id FROM \"incidents_report\" WHERE reference LIKE '%-1' AND case_id % 19997 = 3 "
        f"ORDER BY id LIMIT {REPORTER_REPORTS})",
    )

    # The timeline: a line per report, and one per step each case took.
    run(
        "case events: reports",
        insert(
            CaseEvent,
            {
                "case_id": "r.case_id",
                "kind": "CASE WHEN r.reference LIKE '%-1' THEN 'report_received' ELSE 'report_joined' END",
                "actor_id": "r.reporter_id",
                "at": "r.submitted_at",
                "report_id": "r.id",
            },
            'FROM "incidents_report" r',
        ),
    )
    steps = [
        (
            "transition",
            "route_to_manager",
            "triage",
            "manager_review",
            "c.routed_at",
            "c.routed_at IS NOT NULL",
            "c.triaged_by_id",
        ),
        (
            "transition",
            "request_investigation",
            "manager_review",
            "investigation",
            "c.investigation_started_at",
            "c.investigation_started_at IS NOT NULL",
            "c.line_manager_id",
        ),
        (
            "assignment",
            "assign",
            "",
            "",
            "c.investigation_started_at",
            "c.investigation_started_at IS NOT NULL",
            f"{user(str(CAST.hr_leads.start))}",
        ),
        (
            "transition",
            "submit_findings",
            "investigation",
            "decision",
            "c.findings_submitted_at",
            "c.findings_submitted_at IS NOT NULL",
            "c.investigator_id",
        ),
        (
            "transition",
            "close",
            (
                "CASE c.closure WHEN 'outcome' THEN 'decision' WHEN 'resolved_informally' "
                "THEN 'manager_review' WHEN 'dismissed' THEN 'triage' ELSE 'new' END"
            ),
            "closed",
            "c.closed_at",
            "c.state = 'closed'",
            "coalesce(c.decision_maker_id, c.line_manager_id, c.triaged_by_id)",
        ),
    ]

    def quote(value: str) -> str:
        return value if value.startswith("CASE") else f"'{value}'"

    for kind, action, from_state, to_state, at, condition, actor in steps:
        run(
            f"case events: {action}",
            insert(
                CaseEvent,
                {
                    "case_id": "c.id",
                    "kind": f"'{kind}'",
                    "action": f"'{action}'",
                    "actor_id": actor,
                    "at": at,
                    "from_state": quote(from_state),
                    "to_state": quote(to_state),
                },
                f'FROM "casework_case" c WHERE {condition}',
            ),
        )
    (events,) = _one(f'SELECT count(*) FROM "casework_caseevent" WHERE case_id = {worst}')
    run(
        "the worst case's notes",
        insert(
            CaseEvent,
            {
                "case_id": "c.id",
                "kind": "'note'",
                "actor_id": "c.investigator_id",
                "at": "c.investigation_started_at + make_interval(hours => k)",
                "note": "'Spoke to a witness.'",
            },
            f'FROM "casework_case" c CROSS JOIN generate_series(1, {WORST_EVENTS - events}) k WHERE c.id = {worst}',
        ),
    )

    audit(audit_rows=audit_rows, case_min=case_min, ncases=ncases, user_min=user_min)

    # Notifications: INBOX for one HR lead, the rest spread over everyone; most read and sent.
    kinds = [
        NotificationKind.REPORT_RECEIPT,
        NotificationKind.TEAM_MEMBER_REPORTED,
        NotificationKind.CASE_ROUTED,
        NotificationKind.DEADLINE_REMINDER,
        NotificationKind.REPORT_CLOSED,
        NotificationKind.INVESTIGATION_ASSIGNED,
    ]
    kind_array = ",".join(f"'{kind.value}'" for kind in kinds)
    span = _one(
        f'SELECT extract(epoch FROM now() - min(created_at))::bigint FROM "{Case._meta.db_table}"'
    )[0]
    run(
        "notifications",
        insert(
            Notification,
            {
                # Everyone else's share skips the inbox's owner, whose inbox holds exactly INBOX.
                "recipient_id": f"CASE WHEN n <= {INBOX} THEN {user(str(CAST.inbox))} "
                f"WHEN 1 + (n * 7919) % {USERS} = {CAST.inbox} THEN {user(str(CAST.inbox + 1))} "
                f"ELSE {user(f'1 + (n * 7919) % {USERS}')} END",
                "kind": f"(ARRAY[{kind_array}])[1 + n % {len(kinds)}]",
                "subject": "'Case BEN-' || lpad(case_no::text, 8, '0') || ' needs your attention'",
                "body_text": "'Case BEN-' || lpad(case_no::text, 8, '0') || ' has moved on. Open it in Flagpost.'",
                "body_html": "'<p>Case BEN-' || lpad(case_no::text, 8, '0') || ' has moved on.</p>'",
                "link": "'/cases/BEN-' || lpad(case_no::text, 8, '0') || '/'",
                "case_id": f"{case_min - 1} + case_no",
                "created_at": "moment",
                "read_at": "CASE WHEN n % 5 <> 0 THEN moment + interval '1 day' END",
                "email_status": "'sent'",
                "email_attempts": "1",
                "email_sent_at": "moment + interval '1 minute'",
            },
            f"FROM (SELECT n, 1 + (n * 104729) % {ncases} case_no, "
            f"now() - make_interval(secs => ({NOTIFICATIONS} - n)::float8 * {span} / {NOTIFICATIONS}) AS moment "
            f"FROM generate_series(1::bigint, {NOTIFICATIONS}) n) s",
        ),
    )


def handle_links(*, user_min: int) -> None:
    """Handles ``handle_0`` … ``handle_1999``: two each for every fifth member of staff from the first."""
    from casework.models import HandleLink

    run(
        "handle links",
        insert(
            HandleLink,
            {
                "handle": "'handle_' || h",
                "user_id": f"{user_min} + (h / 2) * 5",
                "linked_by_id": str(user_min + CAST.triage_officers.start - 1),
                "linked_at": "now() - interval '1 year'",
            },
            f"FROM generate_series(0, {HANDLE_LINKS - 1}) h",
        ),
    )


def evidence_files() -> None:
    """A screenshot on each report of every tenth case (the files themselves are not stored)."""
    from incidents.models import EvidenceFile

    run(
        "evidence files",
        insert(
            EvidenceFile,
            {
                "report_id": "r.id",
                "file": "'2026/01/' || md5(r.id::text) || '.png'",
                "original_name": "'screenshot.png'",
                "content_type": "'image/png'",
                "size": "48000",
                "sha256": "md5(r.id::text) || md5((-r.id)::text)",
                "added_by_id": "r.reporter_id",
                "added_at": "r.submitted_at",
            },
            'FROM "incidents_report" r WHERE r.case_id % 10 = 0',
        ),
    )


def audit(*, audit_rows: int, case_min: int, ncases: int, user_min: int) -> None:
    """``audit_rows`` rows over the years the cases span, sealed, with the chain head at the last.

    The hashes are distinct and linked but not SHA-256 of the rows' content (the sealer's work is
    not what is measured), so ``verify_audit`` reports this chain as changed at its first row.
    """
    from audit.models import AuditEvent, AuditKind

    kinds = (
        [AuditKind.CASE_VIEWED] * 12
        + [AuditKind.CASE_EVENT] * 5
        + [AuditKind.EVIDENCE_DOWNLOADED, AuditKind.SUMMARY_DOWNLOADED, AuditKind.REPORTER_REVEALED]
    )
    kind_array = ",".join(f"'{kind.value}'" for kind in kinds)
    unchained = [
        AuditKind.SIGNED_IN,
        AuditKind.SIGNED_IN,
        AuditKind.SIGNED_IN,
        AuditKind.AUDIT_VIEWED,
        AuditKind.SIGN_IN_FAILED,
        AuditKind.GOVERNANCE_EXPORT_DOWNLOADED,
    ]
    plain_array = ",".join(f"'{kind.value}'" for kind in unchained)
    (span,) = _one(
        'SELECT extract(epoch FROM now() - min(created_at))::bigint FROM "casework_case"'
    )
    digest = "md5(({g})::text) || md5(({g})::text || 'x')"
    # The case of a row is spread over all cases (a row may predate its case's creation: only
    # reading the trail by case, person and date is measured).
    run(
        "audit rows",
        insert(
            AuditEvent,
            {
                "seq": "g",
                "at": "moment",
                "kind": f"CASE WHEN case_no IS NULL THEN (ARRAY[{plain_array}])[1 + g % {len(unchained)}] "
                f"ELSE (ARRAY[{kind_array}])[1 + g % {len(kinds)}] END",
                "actor_id": f"{user_min - 1} + 1 + (g * 7919) % {USERS}",
                "case_id": f"{case_min - 1} + case_no",
                "case_reference": "coalesce('BEN-' || lpad(case_no::text, 8, '0'), '')",
                "detail": "CASE WHEN case_no IS NULL THEN '{}'::jsonb ELSE '{\"page\": \"case\"}'::jsonb END",
                "ip_address": "'10.0.' || (g % 200) || '.' || (g % 250)",
                "prev_hash": f"CASE WHEN g = 1 THEN repeat('0', 64) ELSE {digest.format(g='g - 1')} END",
                "hash": digest.format(g="g"),
            },
            f"FROM (SELECT g, now() - make_interval(secs => ({audit_rows} - g)::float8 * {span} / {audit_rows}) AS moment, "
            f"CASE WHEN g % 10 = 0 THEN NULL ELSE 1 + (g * 104729) % {ncases} END case_no "
            f"FROM generate_series(1::bigint, {audit_rows}) g) s",
        ),
    )
    run(
        "audit chain head",
        f"INSERT INTO audit_auditchainhead (id, seq, hash) SELECT 1, {audit_rows}, {digest.format(g=str(audit_rows))} "
        "ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash",
    )
    _one(f"SELECT setval('audit_auditevent_seq_seq', {audit_rows + 1}, false)")


def fill_all(*, cases: int, years: int, audit_rows: int) -> None:
    """:func:`fill` and :func:`fill_pages`, with the indexes built once at the end; then VACUUM ANALYZE."""
    started = time.perf_counter()
    _session()
    rebuild = indexes_drop(BIG_TABLES)
    fill_core(cases=cases, years=years)
    fill_pages(audit_rows=audit_rows)
    indexes_build(rebuild)
    _session_end()
    vacuum_analyze()
    print(f"  filled in {s(time.perf_counter() - started)}", flush=True)
