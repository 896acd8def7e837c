"""Cases and their timelines.

A case groups the reports about one post or one piece of conduct. Its state
changes only through the named transitions below (django-fsm). Transitions
are pure: they set fields on the case and nothing else. The services in
``casework.services`` lock the row, call them, save, and write the timeline.
Who may call each one is decided by ``casework.access``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from directory.handles import handle_key_keep

if TYPE_CHECKING:
    from directory.models import User


class CaseState(models.TextChoices):
    NEW = "new", "New"
    TRIAGE = "triage", "In triage"
    MANAGER_REVIEW = "manager_review", "Line manager review"
    INVESTIGATION = "investigation", "Investigation"
    DECISION = "decision", "Awaiting decision"
    CLOSED = "closed", "Closed"


OPEN_STATES = [state for state in CaseState.values if state != CaseState.CLOSED]

# Each state as it reads after "the case is …": the labels are names for a list or a tag.
STATE_PHRASES: dict[str, str] = {
    CaseState.NEW: "new",
    CaseState.TRIAGE: "at triage",
    CaseState.MANAGER_REVIEW: "with the line manager for review",
    CaseState.INVESTIGATION: "under investigation",
    CaseState.DECISION: "awaiting a decision",
    CaseState.CLOSED: "closed",
}


class ReporterStatus(models.TextChoices):
    """What a reporter is told: never more than whether anyone is looking at it."""

    RECEIVED = "received", "Received"
    UNDER_REVIEW = "under_review", "Under review"
    CLOSED = "closed", "Closed"


def reporter_status_for(state: str) -> ReporterStatus:
    if state == CaseState.NEW:
        return ReporterStatus.RECEIVED
    if state == CaseState.CLOSED:
        return ReporterStatus.CLOSED
    return ReporterStatus.UNDER_REVIEW


class DismissalReason(models.TextChoices):
    NO_BREACH = "no_breach", "No breach of the policy"
    NOT_ENOUGH_INFORMATION = "not_enough_information", "Not enough information"
    DUPLICATE = "duplicate", "Duplicate of another case"


class Closure(models.TextChoices):
    WITHDRAWN = "withdrawn", "Withdrawn by the reporter"
    DISMISSED = "dismissed", "Dismissed at triage"
    RESOLVED_INFORMALLY = "resolved_informally", "Resolved informally by the line manager"
    OUTCOME = "outcome", "Outcome recorded"


class Outcome(models.TextChoices):
    NO_CASE_TO_ANSWER = "no_case_to_answer", "No case to answer"
    INFORMAL_MANAGEMENT = "informal_management", "Informal management"
    FIRST_WRITTEN_WARNING = "first_written_warning", "First written warning"
    FINAL_WRITTEN_WARNING = "final_written_warning", "Final written warning"
    DISMISSAL = "dismissal", "Dismissal"
    REFERRAL_REGULATOR = "referral_regulator", "Referral to a professional regulator"
    REFERRAL_POLICE = "referral_police", "Referral to the police"


class ReopenReason(models.TextChoices):
    APPEAL = "appeal", "Appeal"
    NEW_EVIDENCE = "new_evidence", "New evidence"


class Flag(models.TextChoices):
    """Flags route a case to a specialist without stopping the main flow."""

    SAFEGUARDING = "safeguarding", "Safeguarding or welfare concern"
    DATA_BREACH = "data_breach", "Confidentiality or personal-data breach"
    OFFICIAL_ACCOUNT = "official_account", "Unapproved official account"
    DEFAMATION = "defamation", "Possible defamation"
    TAKEDOWN_REQUESTED = "takedown_requested", "Takedown requested"
    POST_REMOVED = "post_removed", "Post confirmed removed"


# The boolean column that carries each flag.
FLAG_FIELDS: dict[str, str] = {
    Flag.SAFEGUARDING: "flag_safeguarding",
    Flag.DATA_BREACH: "flag_data_breach",
    Flag.OFFICIAL_ACCOUNT: "flag_official_account",
    Flag.DEFAMATION: "flag_defamation",
    Flag.TAKEDOWN_REQUESTED: "flag_takedown_requested",
    Flag.POST_REMOVED: "flag_post_removed",
}


def _may(action: str):  # unannotated: django-fsm types a permission on any Model, not a Case
    def permission(instance: Case, user: User) -> bool:
        from casework.access import may

        return may(user, action, instance)

    permission.__name__ = f"may_{action}"
    return permission


def _poster_has_line_manager(case: Case) -> bool:
    return case.poster is not None and case.poster.line_manager_id is not None


def _has_principles(case: Case) -> bool:
    return case.principles.exists()


def _has_triage_summary(case: Case) -> bool:
    return bool(case.triage_summary.strip())


def _poster_identified(case: Case) -> bool:
    return case.poster_id is not None


def _team_assigned(case: Case) -> bool:
    return case.investigator_id is not None and case.decision_maker_id is not None


def _every_principle_has_a_finding(case: Case) -> bool:
    alleged = set(case.principles.values_list("pk", flat=True))
    found = set(case.findings.values_list("principle_id", flat=True))
    return bool(alleged) and alleged <= found


def _not_merged(case: Case) -> bool:
    return case.merged_into_id is None


def _not_anonymised(case: Case) -> bool:
    return case.anonymised_at is None


def _conditions(*checks: Callable[[Case], bool]) -> list[Callable[[models.Model], bool]]:
    """A transition's conditions: django-fsm calls each with the case whose transition it guards."""
    return list(checks)  # type: ignore[arg-type]  # django-fsm types a condition on any Model


# Where a case with no open deadline sorts by its next deadline: after every real one. Paging needs
# sort keys that are never NULL, so the lists sort by this expression, and an index holds it.
NEVER_DUE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


def case_due() -> Coalesce:
    """A case's next deadline for sorting: ``next_due_at``, or ``NEVER_DUE`` when there is none."""
    return Coalesce("next_due_at", models.Value(NEVER_DUE, output_field=models.DateTimeField()))


# The states of the triage queue.
QUEUE_STATES = [CaseState.NEW, CaseState.TRIAGE]

# Open cases whose safeguarding or data-breach flag still waits for its lead (My work), each
# read in deadline order through an index of its own.
SAFEGUARDING_WAITING = models.Q(
    flag_safeguarding=True, safeguarding_responded_at__isnull=True, state__in=OPEN_STATES
)
BREACH_WAITING = models.Q(
    flag_data_breach=True, data_breach_assessed_at__isnull=True, state__in=OPEN_STATES
)
# Investigations the HR lead has still to give an investigator (My work), read the same way:
# the investigator's own index can't tell the planner how few of the cases with no
# investigator are in investigation.
TEAM_WAITING = models.Q(state=CaseState.INVESTIGATION, investigator__isnull=True)


class Case(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(max_length=32, unique=True)
    state = FSMField(
        default=CaseState.NEW, choices=CaseState.choices, protected=True, db_index=True
    )
    # Bumped by every write a service makes: a form carries the revision it
    # was drawn from, so a change made meanwhile is noticed, not overwritten.
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The earliest deadline still open on the case, kept by the deadline services for sorting.
    next_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    policy_versions = models.ManyToManyField(
        "policies.PolicyVersion",
        blank=True,
        related_name="cases",
        help_text="The versions in force on the day the post was first seen.",
    )

    # Triage
    poster = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_about",
    )
    poster_handle = models.CharField(max_length=200, blank=True)
    # ``poster_handle`` in the form every lookup compares (see ``handle_normalise``), kept by save().
    poster_handle_key = models.CharField(
        max_length=200, blank=True, default="", db_default="", editable=False, db_index=True
    )
    directorate = models.ForeignKey(
        "directory.Directorate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The directorate of the poster's service when they were identified. The governance "
        "figures count by it, so they don't move when someone changes job or when personal data is removed.",
    )
    principles = models.ManyToManyField("policies.Principle", blank=True, related_name="cases")
    triage_summary = models.TextField(blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_triaged",
    )
    triage_started_at = models.DateTimeField(null=True, blank=True)
    dismissal_reason = models.CharField(max_length=30, choices=DismissalReason.choices, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_cases"
    )

    # Line manager
    line_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_managed",
        help_text="The poster's line manager when the case reached them.",
    )
    routed_at = models.DateTimeField(null=True, blank=True)
    informal_action = models.TextField(blank=True)
    employee_spoken_to = models.BooleanField(default=False)

    # Investigation
    investigator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_investigated",
    )
    decision_maker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_decided",
    )
    investigation_started_at = models.DateTimeField(null=True, blank=True)
    terms_of_reference = models.TextField(blank=True)
    evidence_summary = models.TextField(blank=True)
    interview_records = models.TextField(blank=True)
    recommendation = models.TextField(blank=True)
    findings_submitted_at = models.DateTimeField(null=True, blank=True)

    # Outcome
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    outcome_rationale = models.TextField(blank=True)
    appeal_deadline = models.DateField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    closure = models.CharField(max_length=30, choices=Closure.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reopened_count = models.PositiveSmallIntegerField(default=0)

    # Flags, beside the state
    flag_safeguarding = models.BooleanField(
        "safeguarding or welfare concern", default=False, db_index=True
    )
    safeguarding_flagged_at = models.DateTimeField(null=True, blank=True)
    flag_data_breach = models.BooleanField(
        "confidentiality or personal-data breach", default=False, db_index=True
    )
    data_breach_aware_at = models.DateTimeField(
        "organisation became aware of the breach", null=True, blank=True
    )
    data_breach_assessed_at = models.DateTimeField(null=True, blank=True)
    data_breach_reported_to_ico = models.BooleanField(null=True, blank=True)
    safeguarding_responded_at = models.DateTimeField(null=True, blank=True)
    flag_official_account = models.BooleanField(
        "unapproved official account", default=False, db_index=True
    )
    flag_defamation = models.BooleanField("possible defamation", default=False)
    flag_takedown_requested = models.BooleanField("takedown requested", default=False)
    flag_post_removed = models.BooleanField("post confirmed removed", default=False)

    # Retention (records app). When a case's personal data is removed its poster link goes, so the
    # repeat-subject figure counts the person by this opaque key instead: a random value shared by
    # all of that person's cases, linked to nobody once none of their cases names them any more.
    subject_key = models.UUIDField(null=True, blank=True, editable=False)
    anonymised_at = models.DateTimeField(
        "personal details removed",
        null=True,
        blank=True,
        editable=False,
        help_text="When personal details were removed under the retention schedule.",
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # Repeat subjects: a poster's earlier cases, found without reading everyone's. The
            # period's cases come from a covering index on created_at (PostgreSQL only, so it is
            # made by migration 0011 rather than declared here).
            models.Index(fields=["poster", "created_at"], name="case_poster_created"),
            # The same for people known only by their subject key.
            models.Index(fields=["subject_key", "created_at"], name="case_subject_key_created"),
            # The retention run: closed cases still holding personal data, by closing date. Its cost
            # follows the cases still to be done, not the anonymised ones that pile up over the years.
            models.Index(
                fields=["closure", "closed_at"],
                name="case_retention_due",
                condition=models.Q(anonymised_at__isnull=True, state="closed"),
            ),
            # The case lists, newest change first or next deadline first: for everyone, by stage,
            # and for each way a user comes to see a case (casework.access.visible_case_arms), so
            # each of those is one ordered index scan that stops after a page.
            models.Index(fields=["updated_at", "id"], name="case_updated"),
            models.Index(case_due(), models.F("id"), name="case_due"),
            models.Index(fields=["state", "updated_at", "id"], name="case_state_updated"),
            models.Index(models.F("state"), case_due(), models.F("id"), name="case_state_due"),
            models.Index(fields=["triaged_by", "updated_at", "id"], name="case_triaged_by_updated"),
            models.Index(
                fields=["line_manager", "updated_at", "id"], name="case_line_manager_updated"
            ),
            models.Index(
                fields=["investigator", "updated_at", "id"], name="case_investigator_updated"
            ),
            models.Index(
                fields=["decision_maker", "updated_at", "id"], name="case_decision_maker_updated"
            ),
            # The triage queue, oldest first or next deadline first.
            models.Index(
                fields=["created_at", "id"],
                name="case_queue",
                condition=models.Q(state__in=QUEUE_STATES),
            ),
            models.Index(fields=["state", "created_at", "id"], name="case_state_created"),
            models.Index(
                case_due(),
                models.F("id"),
                name="case_queue_due",
                condition=models.Q(state__in=QUEUE_STATES),
            ),
            # My work: each person's own stage of their own cases, in deadline order.
            *(
                models.Index(
                    models.F(person),
                    models.F("state"),
                    case_due(),
                    models.F("id"),
                    name=f"case_{person}_due"[:30],
                )
                for person in ("line_manager", "investigator", "decision_maker")
            ),
            models.Index(
                case_due(),
                models.F("id"),
                name="case_safeguarding_waiting_due",
                condition=SAFEGUARDING_WAITING,
            ),
            models.Index(
                case_due(),
                models.F("id"),
                name="case_breach_waiting_due",
                condition=BREACH_WAITING,
            ),
            # The moment itself is carried too, so the list and its counts read the index alone:
            # estimating the investigations with no investigator as a third of them, the database
            # would otherwise walk every investigation in deadline order looking for them.
            models.Index(
                case_due(),
                models.F("id"),
                name="case_team_waiting_due",
                condition=TEAM_WAITING,
                include=["next_due_at"],
            ),
            # A flag is on a few cases in a hundred, or none: the list filtered by one reads
            # only the flagged cases.
            *(
                models.Index(
                    fields=["updated_at", "id"],
                    name=f"case_{field}"[:30],
                    condition=models.Q(**{field: True}),
                )
                for field in FLAG_FIELDS.values()
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reporter_status(self) -> ReporterStatus:
        return reporter_status_for(self.state)

    @property
    def outcome_is_current(self) -> bool:
        """Whether the outcome recorded is the case's own now; after a reopening it is the previous one.

        Reopening keeps the outcome for the record and clears the closure, so the outcome is
        current only while the case stands closed by that outcome.
        """
        return bool(self.outcome) and self.closure == Closure.OUTCOME

    @property
    def state_phrase(self) -> str:
        """The state in a sentence: "Case SMP-2026-00042 is under investigation."."""
        return STATE_PHRASES[self.state]

    @property
    def active_flags(self) -> list[Flag]:
        return [Flag(flag) for flag, field in FLAG_FIELDS.items() if getattr(self, field)]

    def save(self, *args: Any, **kwargs: Any) -> None:
        handle_key_keep(self, kwargs)
        super().save(*args, **kwargs)

    # --- Transitions: pure; the services do the saving and the telling. ---

    @transition(
        field=state,
        source=CaseState.NEW,
        target=CaseState.CLOSED,
        permission=_may("withdraw"),
        custom={"label": "Withdraw the report"},
    )
    def withdraw(self) -> None:
        self.closure = Closure.WITHDRAWN
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=CaseState.NEW,
        target=CaseState.TRIAGE,
        permission=_may("start_triage"),
        custom={"label": "Start triage", "admin": True},
    )
    def start_triage(self, *, officer: User) -> None:
        self.triaged_by = officer
        self.triage_started_at = timezone.now()

    @transition(
        field=state,
        source=CaseState.TRIAGE,
        target=CaseState.CLOSED,
        permission=_may("dismiss"),
        custom={"label": "Dismiss"},
    )
    def dismiss(self, *, reason: DismissalReason, duplicate_of: Case | None = None) -> None:
        self.dismissal_reason = reason
        self.merged_into = duplicate_of if reason == DismissalReason.DUPLICATE else None
        self.closure = Closure.DISMISSED
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=CaseState.TRIAGE,
        target=CaseState.MANAGER_REVIEW,
        permission=_may("route_to_manager"),
        conditions=_conditions(_poster_has_line_manager, _has_principles, _has_triage_summary),
        custom={"label": "Route to the line manager"},
    )
    def route_to_manager(self) -> None:
        assert self.poster is not None  # the condition _poster_has_line_manager holds
        self.line_manager = self.poster.line_manager
        self.routed_at = timezone.now()

    @transition(
        field=state,
        source=CaseState.TRIAGE,
        target=CaseState.INVESTIGATION,
        permission=_may("escalate"),
        conditions=_conditions(_poster_identified),
        custom={"label": "Straight to investigation, serious case", "admin": True},
    )
    def escalate(self) -> None:
        assert self.poster is not None  # the condition _poster_identified holds
        self.line_manager = self.poster.line_manager
        self.investigation_started_at = timezone.now()

    @transition(
        field=state,
        source=CaseState.MANAGER_REVIEW,
        target=CaseState.CLOSED,
        permission=_may("resolve_informally"),
        custom={"label": "Resolve informally"},
    )
    def resolve_informally(self, *, action_taken: str, post_removed: bool) -> None:
        self.informal_action = action_taken
        self.employee_spoken_to = True
        if post_removed:
            self.flag_post_removed = True
        self.closure = Closure.RESOLVED_INFORMALLY
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=CaseState.MANAGER_REVIEW,
        target=CaseState.INVESTIGATION,
        permission=_may("request_investigation"),
        custom={"label": "Ask HR for a formal investigation", "admin": True},
    )
    def request_investigation(self) -> None:
        self.investigation_started_at = timezone.now()

    @transition(
        field=state,
        source=CaseState.INVESTIGATION,
        target=CaseState.INVESTIGATION,
        permission=_may("assign"),
        custom={"label": "Assign investigator and decision maker"},
    )
    def assign(self, *, investigator: User, decision_maker: User) -> None:
        self.investigator = investigator
        self.decision_maker = decision_maker

    @transition(
        field=state,
        source=CaseState.INVESTIGATION,
        target=CaseState.DECISION,
        permission=_may("submit_findings"),
        conditions=_conditions(_team_assigned, _every_principle_has_a_finding),
        custom={"label": "Submit findings"},
    )
    def submit_findings(
        self,
        *,
        terms_of_reference: str,
        evidence_summary: str,
        interview_records: str,
        recommendation: str,
    ) -> None:
        self.terms_of_reference = terms_of_reference
        self.evidence_summary = evidence_summary
        self.interview_records = interview_records
        self.recommendation = recommendation
        self.findings_submitted_at = timezone.now()

    @transition(
        field=state,
        source=CaseState.DECISION,
        target=CaseState.CLOSED,
        permission=_may("record_outcome"),
        custom={"label": "Record the outcome"},
    )
    def record_outcome(self, *, outcome: Outcome, rationale: str, appeal_deadline: dt.date) -> None:
        self.outcome = outcome
        self.outcome_rationale = rationale
        self.appeal_deadline = appeal_deadline
        self.decided_at = timezone.now()
        self.closure = Closure.OUTCOME
        self.closed_at = self.decided_at

    @transition(
        field=state,
        source=CaseState.CLOSED,
        target=CaseState.TRIAGE,
        permission=_may("reopen"),
        conditions=_conditions(_not_merged, _not_anonymised),
        custom={"label": "Reopen", "admin": True},
    )
    def reopen(self) -> None:
        self.reopened_count += 1
        self.closure = ""
        self.closed_at = None
        self.dismissal_reason = ""
        self.triage_started_at = timezone.now()


class Finding(models.Model):
    """The investigator's finding on one alleged principle."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="findings")
    principle = models.ForeignKey("policies.Principle", on_delete=models.PROTECT, related_name="+")
    upheld = models.BooleanField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["principle__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "principle"], name="finding_once_per_principle")
        ]

    def __str__(self) -> str:
        return f"{self.principle}: {'upheld' if self.upheld else 'not upheld'}"


class HandleLink(models.Model):
    """A handle or pseudonym known to belong to a member of staff."""

    handle = models.CharField(
        max_length=200, unique=True, help_text="Lower case, without a leading @."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="handles"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"@{self.handle} → {self.user}"


class EventKind(models.TextChoices):
    REPORT_RECEIVED = "report_received", "Report received"
    REPORT_JOINED = "report_joined", "Further report of the same post"
    EVIDENCE_ADDED = "evidence_added", "Evidence added"
    TRANSITION = "transition", "State changed"
    DETAILS_UPDATED = "details_updated", "Triage details updated"
    ASSIGNMENT = "assignment", "Investigator and decision maker assigned"
    FLAG_CHANGED = "flag_changed", "Flag changed"
    HANDLE_LINKED = "handle_linked", "Handle linked to a member of staff"
    MERGED_IN = "merged_in", "Duplicate case merged in"
    SUMMARY_DOWNLOADED = "summary_downloaded", "Case summary downloaded"
    NOTE = "note", "Note"


class CaseEvent(models.Model):
    """One immutable line of a case's timeline."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    action = models.CharField(
        max_length=40, blank=True, help_text="The transition or action taken."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    from_state = models.CharField(max_length=20, choices=CaseState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=CaseState.choices, blank=True)
    note = models.TextField(blank=True)
    report = models.ForeignKey(
        "incidents.Report", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]
        # A case's timeline in order, from either end, without sorting it.
        indexes = [models.Index(fields=["case", "at", "id"], name="caseevent_case_at")]

    def __str__(self) -> str:
        return f"{self.case.reference}: {self.get_kind_display()}"

    def save(self, *args: object, **kwargs: object) -> None:
        # The timeline is a record: a row, once written, is never rewritten.
        if self.pk is not None and not self._state.adding:
            raise ValueError("Case events are immutable.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class CaseChange(models.Model):
    """A case whose reported facts changed since reporting last read it: the core's outbox.

    Written by the service that changes the case, in its own transaction, so a change and
    its mark commit or roll back together. Reporting (``governance.rollup``) claims and
    deletes the rows it counts. One row per case: a plain id, not a foreign key, because a
    deleted case must still be taken out of the counts.
    """

    case_id = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(default=timezone.now)
