"""Error messages that name their field, and error summary links that reach it.

Django's own messages ("This field is required.", "Enter a valid date.") say neither which
field is wrong nor what to do, and an error summary made of them is a list of identical lines.
``kit.forms.Form`` rewrites each of Django's generic messages from the field's label just
before the form validates, so a field added in ``__init__`` is covered too; a message a form
writes itself is never touched. Labels that are questions ("Why is it being dismissed?") can't
be turned into an instruction, so fields labelled that way write their own ``required``
message; "Answer “…”." is only a fallback, which the forms' tests refuse.
"""

from __future__ import annotations

from django import forms
from django.core.validators import EmailValidator
from django.forms.boundfield import BoundField
from django.forms.utils import pretty_name

# Django's own wording, which a form that cares never keeps.
_GENERIC = {
    "required": forms.Field.default_error_messages["required"],
    "invalid_choice": forms.ChoiceField.default_error_messages["invalid_choice"],
    "invalid_date": forms.DateField.default_error_messages["invalid"],
    "invalid_datetime": forms.DateTimeField.default_error_messages["invalid"],
    "invalid_number": forms.IntegerField.default_error_messages["invalid"],
    "invalid_model_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"],
    "invalid_email": str(EmailValidator.message),
}
# Words a label may start with that already make a noun phrase ("Their handle", "The outcome").
_DETERMINERS = ("the ", "their ", "your ", "my ", "a ", "an ", "any ", "when ", "what ", "who ")


def _plain(label: str) -> str:
    """The label without a closing aside: "When … aware (data breaches only)" → "When … aware"."""
    text = label.strip().rstrip(":").strip()
    if text.endswith(")") and " (" in text:
        text = text[: text.rindex(" (")].strip()
    return text


def field_noun(label: str) -> str:
    """The label as it reads inside a sentence: "Terms of reference" → "the terms of reference"."""
    text = _plain(label)
    # Lower the first letter unless the word is an acronym ("ICO", "HR").
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        text = text[0].lower() + text[1:]
    if text.lower().startswith(_DETERMINERS):
        return text
    return f"the {text}"


def _is_choice(field: forms.Field) -> bool:
    return isinstance(field, forms.ChoiceField | forms.ModelChoiceField | forms.FileField)


def _named(field: forms.Field, label: str) -> dict[str, str]:
    """Messages for ``field`` written from its label."""
    noun = field_noun(label)
    label = _plain(label)
    question = "?" in label
    messages: dict[str, str] = {}
    if isinstance(field, forms.BooleanField):
        messages["required"] = f"Tick “{label}” to go on."
    elif _is_choice(field):
        messages["required"] = f"Answer “{label}”." if question else f"Choose {noun}."
    else:
        messages["required"] = f"Answer “{label}”." if question else f"Enter {noun}."
    about = f"for “{label}”" if question else f"for {noun}"
    messages["invalid_choice"] = f"Choose one of the options listed {about}."
    if isinstance(field, forms.DateTimeField):
        messages["invalid"] = f"Enter a real date and time {about}, for example 01/12/2026 14:30."
    elif isinstance(field, forms.DateField):
        messages["invalid"] = f"Enter a real date {about}, for example 01/12/2026."
    elif isinstance(field, forms.IntegerField):
        messages["invalid"] = f"Enter a whole number {about}."
    elif isinstance(field, forms.EmailField):
        messages["invalid"] = f"Enter an email address {about}, like name@nhs.net."
    max_length = getattr(field, "max_length", None)
    if max_length:
        messages["max_length"] = (
            f"Keep {noun} to {max_length:,} characters or fewer (it has %(show_value)d)."
            if not question
            else f"Keep your answer {about} to {max_length:,} characters or fewer "
            "(it has %(show_value)d)."
        )
    return messages


def name_errors(form: forms.BaseForm) -> None:
    """Replace Django's generic messages on every field of ``form`` by ones naming the field."""
    generic = set(_GENERIC.values())
    for name, field in form.fields.items():
        label = str(field.label) if field.label else pretty_name(name)
        for key, message in _named(field, label).items():
            current = field.error_messages.get(key)
            # These come from validators, whose messages the field overrides only when it has one.
            if (
                current is None
                and (key == "max_length" or isinstance(field, forms.EmailField))
                or current is not None
                and str(current) in generic
            ):
                field.error_messages[key] = message


class ErrorBoundField(BoundField):
    @property
    def error_anchor(self) -> str:
        """The id the error summary links to: the field's input, or its first option."""
        anchors: dict[str, str] = getattr(self.form, "error_anchors", {})
        if self.name in anchors:
            return anchors[self.name]
        widget = self.field.widget
        if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            return f"{self.auto_id}_0"
        return self.id_for_label or self.auto_id or ""


class Form(forms.Form):
    """A form whose every message names its field; ``field.error_anchor`` is what the summary links to."""

    bound_field_class: type[BoundField] | None = ErrorBoundField
    # Fields whose inputs a template renders itself, with ids Django doesn't know: name → id.
    error_anchors: dict[str, str] = {}

    def full_clean(self) -> None:
        name_errors(self)
        super().full_clean()
