"""Writes and reads for the policy register."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from policies import register
from policies.models import Policy, PolicyKind, PolicyVersion, Principle

M = TypeVar("M", bound=models.Model)


class _Outcome(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class RegisterLoadResult:
    """How many rows of each kind the load created or changed."""

    created: dict[str, int] = field(
        default_factory=lambda: {"policies": 0, "versions": 0, "principles": 0}
    )
    updated: dict[str, int] = field(
        default_factory=lambda: {"policies": 0, "versions": 0, "principles": 0}
    )

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    @property
    def total_updated(self) -> int:
        return sum(self.updated.values())


def _tally(result: RegisterLoadResult, kind: str, outcome: _Outcome) -> None:
    if outcome is _Outcome.CREATED:
        result.created[kind] += 1
    elif outcome is _Outcome.UPDATED:
        result.updated[kind] += 1


def _upsert(
    model: type[M], *, lookup: Mapping[str, Any], values: Mapping[str, Any]
) -> tuple[M, _Outcome]:
    """Create the row, or bring it in line with ``values``.

    Unlike ``update_or_create`` this saves only when a value actually differs, so
    a second load writes nothing and its "updated" count means something.
    Values must use attribute names (``investigated_under_id``, not the
    relation) so comparing them never costs a query.
    """
    obj, created = model._default_manager.select_for_update().get_or_create(
        **lookup, defaults=dict(values)
    )
    if created:
        return obj, _Outcome.CREATED
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return obj, _Outcome.UNCHANGED
    for name in changed:
        setattr(obj, name, values[name])
    obj.save(update_fields=changed)
    return obj, _Outcome.UPDATED


def register_load() -> RegisterLoadResult:
    """Bring the database in line with :mod:`policies.register`.

    Idempotent: rows are matched on their natural keys (policy slug, policy +
    version label, version + principle title) and only changed fields are
    written. Nothing is deleted: reports and cases point at principles and
    versions, so retiring one is a deliberate act in the admin, not a side
    effect of editing the register.
    """
    result = RegisterLoadResult()
    with transaction.atomic():
        policies: dict[str, Policy] = {}
        for entry in register.POLICIES:
            policy, outcome = _upsert(
                Policy,
                lookup={"slug": entry.slug},
                values={
                    "title": entry.title,
                    "organisation": entry.organisation,
                    "kind": entry.kind,
                    "description": entry.description,
                },
            )
            policies[entry.slug] = policy
            _tally(result, "policies", outcome)

        versions: dict[tuple[str, str], PolicyVersion] = {}
        for version_entry in register.VERSIONS:
            version, outcome = _upsert(
                PolicyVersion,
                lookup={"policy": policies[version_entry.policy], "version": version_entry.version},
                values={
                    "unique_identifier": version_entry.unique_identifier,
                    "owner": version_entry.owner,
                    "responsible_group": version_entry.responsible_group,
                    "ratified_on": version_entry.ratified_on,
                    "expires_on": version_entry.expires_on,
                    "source_document": version_entry.source_document,
                    "notes": version_entry.notes,
                },
            )
            versions[(version_entry.policy, version_entry.version)] = version
            _tally(result, "versions", outcome)

        for key, principles in register.PRINCIPLES.items():
            for position, principle_entry in enumerate(principles, start=1):
                _, outcome = _upsert(
                    Principle,
                    lookup={"version": versions[key], "title": principle_entry.title},
                    values={
                        "reference": principle_entry.reference,
                        "summary": principle_entry.summary,
                        "investigated_under_id": policies[principle_entry.investigated_under].pk,
                        "position": position,
                        "theme": principle_entry.theme,
                    },
                )
                _tally(result, "principles", outcome)
    return result


def _latest_version_in_force(*, on: dt.date, policy: OuterRef) -> Subquery:
    # Same ordering as Policy.current_version, restricted to versions ratified by
    # ``on``: one correlated subquery picks the version for every policy at once.
    latest = (
        PolicyVersion.objects.in_force_on(on)
        .filter(policy=policy)
        .order_by(F("ratified_on").desc(nulls_last=True), "-pk")
        .values("pk")[:1]
    )
    return Subquery(latest)


def versions_in_force(*, on: dt.date) -> list[PolicyVersion]:
    """The version in force on ``on`` of each social-media policy (one query)."""
    return list(
        PolicyVersion.objects.filter(
            policy__kind=PolicyKind.SOCIAL_MEDIA,
            pk=_latest_version_in_force(on=on, policy=OuterRef("policy")),
        )
        .select_related("policy")
        .order_by("policy__title", "policy__pk")
    )


def principles_for_reporting(*, on: dt.date | None = None) -> models.QuerySet[Principle]:
    """The principles a reporter can choose from for a post seen on ``on`` (default today).

    They come from the version in force of every social-media policy, ordered by
    policy then position; evaluating the queryset is a single query.
    """
    day = on or timezone.localdate()
    return (
        Principle.objects.filter(
            version__policy__kind=PolicyKind.SOCIAL_MEDIA,
            version=_latest_version_in_force(on=day, policy=OuterRef("version__policy")),
        )
        .select_related("version__policy", "investigated_under")
        .order_by("version__policy__title", "version__policy__pk", "position", "pk")
    )
