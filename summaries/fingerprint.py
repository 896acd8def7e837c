"""A summary's content fingerprint: SHA-256 over a canonical form of its data.

The fingerprint is printed in the summary's manifest, so anyone holding a
printed or emailed PDF can ask Flagpost whether that exact content was issued.
It is computed from the ``SummaryData``, never from the PDF bytes, so it does
not depend on reportlab's output and can be recomputed from the case at any time.

Canonical form: JSON with sorted keys, compact separators and UTF-8 text.
Datetimes are ISO 8601 strings (aware ones in UTC, so two equal instants in
different time zones give the same fingerprint); dates are ISO dates. An
evidence file is represented by its recorded SHA-256 and metadata, never by
its bytes: hashing megabytes of screenshots again would be slow and add
nothing, since the file's own hash already commits to its content.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from typing import Any

from summaries.data import EvidenceFileItem, SummaryData

# Bumped if the canonical form ever changes, so an old fingerprint can never
# collide with a new serialisation of different data.
FINGERPRINT_FORMAT = 1

# Fields left out of the canonical form, per item type: the raw image bytes are
# covered by the file's ``sha256``.
_EXCLUDED_FIELDS: dict[type, frozenset[str]] = {EvidenceFileItem: frozenset({"image"})}


def _canonical(value: Any) -> Any:
    """Turn summary data into plain JSON values, deterministically."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        excluded = _EXCLUDED_FIELDS.get(type(value), frozenset())
        return {
            f.name: _canonical(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in excluded
        }
    # datetime is a subclass of date, so it must be tested first.
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    if isinstance(value, bytes):
        # Not expected anywhere but ``image``; hash rather than embed if it appears.
        return {"sha256": hashlib.sha256(value).hexdigest()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot fingerprint a value of type {type(value).__name__}")


def summary_canonical_json(data: SummaryData) -> str:
    """The exact text that is hashed: useful for explaining a fingerprint mismatch."""
    payload = {"format": FINGERPRINT_FORMAT, "summary": _canonical(data)}
    return json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def summary_fingerprint(data: SummaryData) -> str:
    """SHA-256 hex digest of the summary's canonical JSON; equal data, equal fingerprint."""
    # surrogatepass: a lone surrogate in some text must still hash (deterministically), not raise.
    return hashlib.sha256(summary_canonical_json(data).encode("utf-8", "surrogatepass")).hexdigest()
