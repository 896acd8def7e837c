"""Keeping a person's subject key on all their cases.

Once any case about a person has had its personal details removed, every
case about them carries one opaque ``subject_key`` (set by
``records.services.case_anonymise``), and the repeat-subject figure counts the
person by it. A case that gets that person as its poster later (a new report,
a triage correction) takes the same key here, whoever saved it, so the person
is still counted once. This only keeps a derived column in step, like the
governance counts' own receivers; no decision is taken here.
"""

from __future__ import annotations

from django.db.models.signals import post_save

from casework.models import Case


def _case_saved(sender: type, instance: Case, created: bool, raw: bool = False,
                update_fields: frozenset[str] | None = None, **kwargs: object) -> None:
    if raw or instance.poster_id is None or instance.subject_key is not None:
        return
    if update_fields is not None and "poster" not in update_fields:
        return
    key = (
        Case.objects.filter(poster_id=instance.poster_id, subject_key__isnull=False)
        .values_list("subject_key", flat=True)
        .first()
    )
    if key is not None:
        Case.objects.filter(pk=instance.pk).update(subject_key=key)
        instance.subject_key = key


post_save.connect(_case_saved, sender=Case, dispatch_uid="records_subject_key")
