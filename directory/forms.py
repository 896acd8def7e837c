"""The person picker: a form field that takes a name or email typed in, instead of a list of everyone.

The page sends two values under the field's name: ``<name>_query``, the text
in the box, and ``<name>``, the id of the person picked (from the search list,
which ``static/js/person-picker.js`` adds, or from the "which did you mean"
choice the server shows when the text fits more than one person). The id is
never taken on trust: it must be someone in the field's scope and still fit the
text (``person_resolve``). A submission with an id and no text at all (a script,
an older page) is taken on the id alone, within the scope.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils.datastructures import MultiValueDict

from directory.models import User
from directory.people import (
    SEARCH_MIN_LENGTH,
    STAFF,
    PersonScope,
    person_detail,
    person_label,
    person_resolve,
)

QUERY_SUFFIX = "_query"


@dataclass(frozen=True)
class PickerValue:
    chosen: str  # the id sent, or ""
    query: str | None  # the text typed; None when the page sent no text box at all


class PersonPicker(forms.Widget):
    template_name = "directory/person_picker.html"

    class Media:
        js = ["js/person-picker.js"]

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.scope: PersonScope = STAFF
        # What the field made of the last submission, for showing it again.
        self.resolved: User | None = None
        self.matches: list[User] = []
        self.more = False

    def __deepcopy__(self, memo: dict[int, object]) -> PersonPicker:
        clone = copy.copy(self)
        clone.attrs = self.attrs.copy()
        clone.matches = []
        clone.resolved = None
        memo[id(self)] = clone
        return clone

    def value_from_datadict(
        self, data: Mapping[str, Any], files: MultiValueDict[str, UploadedFile], name: str
    ) -> PickerValue:
        query = data.get(name + QUERY_SUFFIX)
        return PickerValue(
            chosen=str(data.get(name) or "").strip(), query=None if query is None else str(query)
        )

    def value_omitted_from_data(
        self, data: Mapping[str, Any], files: MultiValueDict[str, UploadedFile], name: str
    ) -> bool:
        return name not in data and name + QUERY_SUFFIX not in data

    def id_for_label(self, id_: str) -> str:
        return id_  # the text box

    def _initial_person(self, value: object) -> User | None:
        if isinstance(value, User):
            value = value.pk
        if value in (None, ""):
            return None
        try:
            pk = int(str(value))
        except ValueError:
            return None
        return self.scope.people().select_related("service").filter(pk=pk).first()

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if isinstance(value, PickerValue):
            person = self.resolved
            query = value.query if value.query is not None else ""
            if value.query is None and person is not None:
                query = person_label(person)
        else:
            person = self._initial_person(value)
            query = person_label(person) if person is not None else ""
        widget = context["widget"]
        element_id = widget["attrs"].get("id") or f"id_{name}"
        # Django names the error "<id>_error"; templates/includes/field.html gives it "<id>_errors".
        described = [
            part
            for part in widget["attrs"].pop("aria-describedby", "").split()
            if part != f"{element_id}_error"
        ]
        errors_id = f"{element_id}_errors"  # field.html may already have named it
        if widget["attrs"].get("aria-invalid") == "true" and errors_id not in described:
            described.append(errors_id)
        if described:
            widget["attrs"]["aria-describedby"] = " ".join(described)
        widget.update(
            {
                "id": element_id,
                "query_name": name + QUERY_SUFFIX,
                "query": query,
                "chosen": None
                if person is None
                else {
                    "id": person.pk,
                    "name": person_label(person),
                    "detail": person_detail(person),
                },
                "matches": [
                    {
                        "id": match.pk,
                        "name": person_label(match),
                        "detail": person_detail(match),
                        "email": match.email,
                    }
                    for match in self.matches
                ],
                "more": self.more,
                "noun": self.scope.noun,
                "search_url": reverse("directory:people_search", args=[self.scope.name]),
                "min_length": SEARCH_MIN_LENGTH,
            }
        )
        return context


class PersonField(forms.Field):
    """One person from ``scope``, found from what was typed (see the module docstring)."""

    widget = PersonPicker
    default_error_messages = {
        "required": "Type the name or work email of the person, then choose them.",
        "too_short": "Type at least %(min)s letters of their name, or their work email.",
        "none": "No %(noun)s matches “%(text)s”. Check the spelling, or type their work email.",
        "several": "More than one %(noun)s matches “%(text)s”. Choose one below, "
        "or type more of their name or their work email.",
        "not_allowed": "The person chosen can't be picked here. Type the name or work email "
        "of someone else.",
    }

    def __init__(self, *, scope: PersonScope, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "Type part of their name, or their work email.")
        super().__init__(**kwargs)
        self.scope = scope
        self.picker.scope = scope

    @property
    def picker(self) -> PersonPicker:
        assert isinstance(self.widget, PersonPicker)
        return self.widget

    def clean(self, value: object) -> User | None:
        picker = self.picker
        picker.resolved, picker.matches, picker.more = None, [], False
        if not isinstance(value, PickerValue):
            value = PickerValue(chosen=str(value or ""), query=None)
        people = self.scope.people()
        if value.query is None:
            person = self._by_id(people, value.chosen)
        else:
            person = self._by_text(people, value)
        if person is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        picker.resolved = person
        return person

    def _by_id(self, people: Any, chosen: str) -> User | None:
        if not chosen:
            return None
        person = people.filter(pk=int(chosen)).first() if chosen.isdigit() else None
        if person is None:
            raise ValidationError(self.error_messages["not_allowed"], code="not_allowed")
        return person

    def _by_text(self, people: Any, value: PickerValue) -> User | None:
        text = (value.query or "").strip()
        if not text:
            return None  # the box was emptied: nobody, whatever id came with it
        found = person_resolve(people, text, chosen=value.chosen)
        if found.person is not None:
            return found.person
        params = {"noun": self.scope.noun, "text": text, "min": SEARCH_MIN_LENGTH}
        if len(text) < SEARCH_MIN_LENGTH:
            raise ValidationError(self.error_messages["too_short"], code="too_short", params=params)
        if not found.matches:
            raise ValidationError(self.error_messages["none"], code="none", params=params)
        self.picker.matches, self.picker.more = found.matches, found.more
        raise ValidationError(self.error_messages["several"], code="several", params=params)
