"""Evidence files no row points to: found by walking the store, removed only when asked.

A file can outlive its row when a save failed and even the clean-up could
not remove it (the store went read-only), or when a row was deleted by hand.
Such a file is personal data that retention never finds, because retention
works from the rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from incidents.models import EvidenceFile
from incidents.storage import EvidenceStorage

log = logging.getLogger(__name__)

# A file younger than this may belong to a report being saved right now, whose
# row is not committed yet; a day is far longer than any request.
ORPHAN_MIN_AGE = dt.timedelta(days=1)
BATCH = 500


@dataclass(frozen=True)
class Orphan:
    name: str  # relative to the evidence store, as EvidenceFile.file would hold it
    size: int
    modified: dt.datetime


def evidence_orphans_find(*, now: dt.datetime | None = None) -> Iterator[Orphan]:
    """Files in the evidence store older than ORPHAN_MIN_AGE that no EvidenceFile names.

    The names are looked up a batch at a time through the index on the file
    column, so the cost follows the number of old files, not the table.
    """
    storage = EvidenceStorage()
    root = Path(storage.location)
    cutoff = ((now or timezone.now()) - ORPHAN_MIN_AGE).timestamp()
    batch: list[Orphan] = []
    for directory, _folders, names in os.walk(root):
        for filename in names:
            path = Path(directory) / filename
            try:
                info = path.lstat()
            except FileNotFoundError:
                continue  # removed while we walked
            if not stat.S_ISREG(info.st_mode) or info.st_mtime > cutoff:
                continue
            batch.append(
                Orphan(
                    name=path.relative_to(root).as_posix(),
                    size=info.st_size,
                    modified=dt.datetime.fromtimestamp(info.st_mtime, tz=dt.UTC),
                )
            )
            if len(batch) >= BATCH:
                yield from _unreferenced(batch)
                batch = []
    yield from _unreferenced(batch)


def _unreferenced(batch: list[Orphan]) -> Iterator[Orphan]:
    if not batch:
        return
    known = set(
        EvidenceFile.objects.filter(file__in=[orphan.name for orphan in batch]).values_list(
            "file", flat=True
        )
    )
    for orphan in batch:
        if orphan.name not in known:
            yield orphan


def evidence_orphan_remove(*, orphan: Orphan) -> bool:
    """Delete one orphan, checking again that no row names it. False if it was not removed."""
    if EvidenceFile.objects.filter(file=orphan.name).exists():
        return False
    storage = EvidenceStorage()
    try:
        os.remove(storage.path(orphan.name))
    except FileNotFoundError:
        return False
    log.info("evidence orphan removed: %s (%d bytes)", orphan.name, orphan.size)
    return True
