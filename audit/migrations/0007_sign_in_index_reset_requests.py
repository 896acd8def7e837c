"""The fingerprint index of 0005 covers password reset requests too.

A search for a person finds the rows that carry only the fingerprint of an email typed: failed
sign-ins, lockouts and, since 0006, reset requests (``audit.selectors.SIGN_IN_KINDS``). The
index's condition must name every one of those kinds, or the search can't use it and reads the
whole trail. PostgreSQL only, as in 0005.
"""

from django.db import migrations

KINDS = ("sign_in_failed", "locked_out", "password_reset_requested")
BEFORE = ("sign_in_failed", "locked_out")


def _index(kinds: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    return (
        "CREATE INDEX audit_signin_tried_at_seq ON audit_auditevent "
        "((detail -> 'username_sha256'), at DESC, seq DESC) "
        f"WHERE kind IN ({listed})"
    )


def _rebuild(schema_editor: object, kinds: tuple[str, ...]) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS audit_signin_tried_at_seq", params=None)
    schema_editor.execute(_index(kinds), params=None)


def forwards(apps: object, schema_editor: object) -> None:
    _rebuild(schema_editor, KINDS)


def backwards(apps: object, schema_editor: object) -> None:
    _rebuild(schema_editor, BEFORE)


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_account_kinds")]

    operations = [migrations.RunPython(forwards, backwards)]
