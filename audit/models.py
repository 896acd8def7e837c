"""The audit trail: an append-only, hash-chained log of who did or saw what.

Each sealed row carries the SHA-256 of the row before it and of its own
content, so a row changed or removed after it was written breaks the chain at
that row (``python manage.py verify_audit`` finds it). Rows are written only by
``audit.services.audit_record``. On PostgreSQL a row is written without its
hashes and the sealer (``audit.services.audit_seal``, every few seconds) gives
it its place in the chain once; on SQLite the writer seals it at once. The
database refuses any other update, and every delete (see the
``0002_append_only`` and ``0004_sealer`` migrations). The sealer signs a
checkpoint of the chain's head into a file the database can't reach
(``audit.checkpoints``), so a chain truncated or recomputed by whoever owns the
database no longer matches it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper

# The "previous hash" of the first row.
GENESIS_HASH = "0" * 64


class AuditKind(models.TextChoices):
    CASE_EVENT = "case_event", "Case event"
    CASE_VIEWED = "case_viewed", "Case page viewed"
    EVIDENCE_DOWNLOADED = "evidence_downloaded", "Evidence file downloaded"
    SUMMARY_DOWNLOADED = "summary_downloaded", "PDF summary downloaded"
    GOVERNANCE_EXPORT_DOWNLOADED = "governance_export_downloaded", "Governance export downloaded"
    REPORTER_REVEALED = "reporter_revealed", "Confidential reporter revealed"
    ACCESS_REFUSED = "access_refused", "Access refused"
    AUDIT_VIEWED = "audit_viewed", "Audit trail viewed"
    SIGNED_IN = "signed_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    LOCKED_OUT = "locked_out", "Locked out after repeated failed sign-ins"
    # Records (retention and subject access): written by records.services.
    LEGAL_HOLD_PLACED = "legal_hold_placed", "Legal hold placed"
    LEGAL_HOLD_LIFTED = "legal_hold_lifted", "Legal hold lifted"
    PERSONAL_DATA_REMOVED = (
        "personal_data_removed",
        "Personal details removed under the retention schedule",
    )
    RETENTION_RUN = "retention_run", "Retention schedule applied"
    SUBJECT_ACCESS_EXPORT = "subject_access_export", "Subject access archive made"
    # Password accounts: written by accounts.services.
    INVITATION_SENT = "invitation_sent", "Invitation to set a password sent"
    PASSWORD_RESET_REQUESTED = "password_reset_requested", "Password reset link sent"
    PASSWORD_SET = "password_set", "Password set from an emailed link"


class ChainProblem(models.TextChoices):
    CHANGED = "changed", "A row no longer matches its hash"
    RELINKED = "relinked", "A row does not carry the previous row's hash"
    MISSING = "missing", "A row is missing"
    TRUNCATED = "truncated", "Rows are missing from the end"
    UNCHAINED = "unchained", "A row was written outside the chain"
    CHECKPOINT = "checkpoint", "The chain no longer matches its signed checkpoint"


class AuditEvent(models.Model):
    """One line of the trail. Never changed, never removed."""

    # The position in the chain, in the order the rows were sealed. On PostgreSQL it comes from
    # the sequence audit_auditevent_seq_seq, so a rolled-back write leaves a gap the sealer passes.
    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=40, choices=AuditKind.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for Flagpost itself and for someone not signed in.",
    )
    case = models.ForeignKey(
        "casework.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    # Kept beside the link so the row reads on its own and its hash covers the reference.
    case_reference = models.CharField(max_length=32, blank=True)
    # Short structured facts (ids, references, states); never text from a report.
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.CharField(max_length=45, blank=True)
    # Empty until the row is sealed (within seconds on PostgreSQL; at once on SQLite).
    prev_hash = models.CharField(max_length=64, null=True, blank=True)
    hash = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["case", "-seq"], name="audit_case_seq"),
            models.Index(fields=["actor", "-seq"], name="audit_actor_seq"),
            # The audit trail page, newest first, whatever it is filtered by: each filter has an
            # index that starts with it and then runs in the page's order, so a page (the first
            # or the thousandth, by keyset) reads its fifty rows and no others. Unfiltered, and
            # for a date range, the index on ``at`` serves (ties on the instant are settled by
            # sorting those few rows by number).
            models.Index(fields=["actor", "-at", "-seq"], name="audit_actor_at_seq"),
            models.Index(fields=["kind", "-at", "-seq"], name="audit_kind_at_seq"),
            models.Index(
                Upper("case_reference"),
                F("at").desc(),
                F("seq").desc(),
                name="audit_caseref_at_seq",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.get_kind_display()}"


class AuditChainHead(models.Model):
    """The last row sealed: one row, moved on only by the sealer (by every writer on SQLite).

    It also lets the check notice rows removed from the end of the chain,
    which would otherwise leave a shorter chain that still adds up.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"Audit chain at row {self.seq}"


class AuditCheck(models.Model):
    """One run of the chain check (nightly, or asked for on the audit page) and what it found."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for the nightly check.",
    )
    ok = models.BooleanField()
    rows_verified = models.BigIntegerField(default=0)
    first_bad_seq = models.BigIntegerField(null=True, blank=True)
    problem = models.CharField(max_length=20, choices=ChainProblem.choices, blank=True)
    message = models.TextField(blank=True)
    # Administrators are alerted once per break, not every night again for the same one.
    alerted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["first_bad_seq", "problem"],
                condition=Q(alerted=True),
                name="audit_break_alerted_once",
            )
        ]

    def __str__(self) -> str:
        return f"Audit check {self.at:%Y-%m-%d %H:%M}: {'intact' if self.ok else 'broken'}"
