"""How a social-media handle is compared: the one spelling every lookup uses."""

from __future__ import annotations

import unicodedata
from typing import Any, Protocol


class _WithPosterHandle(Protocol):
    poster_handle: str
    poster_handle_key: str


def handle_normalise(handle: str) -> str:
    """The comparable form of a handle or pseudonym: ``@Night_Nurse`` and ``night_nurse`` are one.

    Compatibility forms are folded (a full-width ＠ or letter is the ordinary one), invisible
    format characters are dropped (a zero-width space inside a handle would otherwise make it
    a different handle to us and the same one to a reader), and case is folded.
    """
    text = unicodedata.normalize("NFKC", handle)
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return text.strip().lstrip("@").strip().casefold()


def handle_key_keep(instance: _WithPosterHandle, save_kwargs: dict[str, Any]) -> None:
    """Keep ``poster_handle_key`` in step with ``poster_handle`` on a save that writes it.

    A derived column, like ``auto_now``: the access rules find the cases about a person by
    it, so it must never lag behind the handle it comes from. Called from ``save()`` of the
    models that carry a poster's handle (cases and reports).
    """
    instance.poster_handle_key = handle_normalise(instance.poster_handle)
    fields = save_kwargs.get("update_fields")
    if fields is not None and "poster_handle" in fields and "poster_handle_key" not in fields:
        save_kwargs["update_fields"] = [*fields, "poster_handle_key"]
