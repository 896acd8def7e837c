"""The hash of an audit row: pure functions, shared by the writer and the check."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping


def _moment(at: dt.datetime) -> str:
    # Always UTC with microseconds, so the text is the same whichever database gave the value back.
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_content(
    *,
    seq: int,
    at: dt.datetime,
    kind: str,
    actor_id: int | None,
    case_id: int | None,
    case_reference: str,
    detail: Mapping[str, object],
    ip_address: str,
) -> dict[str, object]:
    return {
        "seq": seq,
        "at": _moment(at),
        "kind": kind,
        "actor": actor_id,
        "case": case_id,
        "case_reference": case_reference,
        "detail": dict(detail),
        "ip": ip_address,
    }


def row_hash(prev_hash: str, content: Mapping[str, object]) -> str:
    """SHA-256 of the previous row's hash followed by this row's content as canonical JSON."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()
