"""Password reset requests, worked out away from the request that asked."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from accounts.services import password_reset_email


# The database refusing (a failover, SQLite's lock) is retried: nothing was sent yet.
@shared_task(
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=1,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=8,
)
def password_reset_send(address: str, ip_address: str) -> bool:
    """Email a reset link to ``address`` if an active person has it (the request's answer is
    the same either way)."""
    return password_reset_email(address=address, ip_address=ip_address)
