"""Writes to the organisations."""

from __future__ import annotations

from organisations.models import Organisation

# The employers of the two source policies: (name, short name, ODS code). The migration
# 0002_source_policy_organisations makes the same two.
SOURCE_ORGANISATIONS: tuple[tuple[str, str, str], ...] = (
    ("Worcestershire Health and Care NHS Trust", "WHCT", "R1A"),
    ("Healthwatch Worcestershire", "Healthwatch", ""),
)


def organisations_ensure() -> dict[str, Organisation]:
    """The organisations of the source policies by short name, made if missing (safe to repeat)."""
    found: dict[str, Organisation] = {}
    for name, short_name, ods_code in SOURCE_ORGANISATIONS:
        found[short_name], _ = Organisation.objects.get_or_create(
            short_name=short_name, defaults={"name": name, "ods_code": ods_code}
        )
    return found
