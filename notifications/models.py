"""The notification outbox: one row per recipient, written with the event."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class NotificationKind(models.TextChoices):
    REPORT_RECEIPT = "report_receipt", "Report received (your receipt)"
    TEAM_MEMBER_REPORTED = "team_member_reported", "A member of your team made a report"
    CASE_ROUTED = "case_routed", "A case needs your review as line manager"
    INVESTIGATION_REQUESTED = "investigation_requested", "A formal investigation is needed"
    INVESTIGATION_ASSIGNED = "investigation_assigned", "You were assigned to an investigation"
    FINDINGS_SUBMITTED = "findings_submitted", "Findings are ready for a decision"
    OUTCOME_RECORDED = "outcome_recorded", "An outcome was recorded"
    REPORT_CLOSED = "report_closed", "Your report is closed"
    CASE_REOPENED = "case_reopened", "A case was reopened"
    FLAG_RAISED = "flag_raised", "A case was flagged for you"
    DEADLINE_REMINDER = "deadline_reminder", "A deadline is coming up"
    DEADLINE_OVERDUE = "deadline_overdue", "A deadline has passed"
    DEADLINE_ESCALATION = "deadline_escalation", "An overdue deadline was escalated to you"
    COMMITTEE_PACK_READY = "committee_pack_ready", "A committee pack is ready"
    AUDIT_CHAIN_BROKEN = "audit_chain_broken", "The audit trail failed its check"
    DIGEST = "digest", "Daily digest"
    STAFF_LEFT = "staff_left", "People who have left hold open cases"
    ACCOUNT_INVITATION = "account_invitation", "An invitation to set a password"
    PASSWORD_RESET = "password_reset", "A link to reset a password"


# Emails about signing in, not about work: sent at once (never in a digest), kept out of the inbox
# and its badge, and carrying a link to set a password that is made when the email is sent and
# never stored (see ``notifications.rendering.send_time_context``).
ACCOUNT_KINDS = frozenset({NotificationKind.ACCOUNT_INVITATION, NotificationKind.PASSWORD_RESET})


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    IN_DIGEST = "in_digest", "Waiting for the daily digest"
    DIGESTED = "digested", "Sent in a daily digest"


class Notification(models.Model):
    # No index of its own: every index below starts with the recipient. The sweep writes
    # thousands of rows at a time, and each index is one more write a row.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    body_html = models.TextField()
    # Set on rows written in bulk (the deadline sweep): what the bodies are rendered from when the
    # email is sent, with the row's case, recipient and link. Empty bodies until then.
    render_context = models.JSONField(null=True, blank=True)
    link = models.CharField(max_length=500, blank=True)
    case = models.ForeignKey(
        "casework.Case",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # Urgent kinds (safeguarding, data breach, escalations) are emailed at once, digest or not.
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    email_status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    # When an unsent email next needs attention; the sweeper selects on it.
    email_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The inbox, newest first, all or unread only: one page read from an index; the
            # unread badge counts from the second.
            models.Index(fields=["recipient", "created_at", "id"], name="notification_inbox"),
            models.Index(
                fields=["recipient", "created_at", "id"],
                name="notification_inbox_unread",
                condition=models.Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        # Not the recipient: the admin prints this in titles and labels, and whom a receipt went to
        # says who reported (the admin shows the recipient only where it may).
        return self.subject or self.get_kind_display()


class TaskDelivery(models.Model):
    """How many times a worker has started a given task message.

    Messages are acknowledged late, so a task whose worker dies is delivered
    again; this count stops a task that kills its worker every time from
    looping for ever.
    """

    task_id = models.CharField(max_length=64, primary_key=True)
    task_name = models.CharField(max_length=200)
    deliveries = models.PositiveIntegerField(default=1)
    first_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.task_name} {self.task_id}: {self.deliveries}"
