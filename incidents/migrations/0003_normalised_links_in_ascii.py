"""Links stored before hosts were matched in their ASCII form get that form now.

Only the matching key changes (``normalised_url``); the link as the reporter gave it is kept
exactly, as evidence always is. Without this a new report of the same post wouldn't find the
case its earlier reports are on.
"""

from django.db import migrations

from incidents.links import link_normalise


def ascii_matching_keys(apps, schema_editor):
    EvidenceLink = apps.get_model("incidents", "EvidenceLink")
    # Only keys holding a character beyond ASCII can have changed.
    for link in EvidenceLink.objects.filter(normalised_url__regex=r"[^\x00-\x7f]").iterator(
        chunk_size=2000
    ):
        try:
            key = link_normalise(link.url)
        except ValueError:
            continue  # a link the checks would refuse today stays as it was matched then
        if key != link.normalised_url:
            link.normalised_url = key
            link.save(update_fields=["normalised_url"])


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_report_poster_handle_key")]
    operations = [migrations.RunPython(ascii_matching_keys, migrations.RunPython.noop)]
