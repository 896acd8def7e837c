"""Template filters that dress Django's form widgets in the NHS.UK frontend's classes.

Loaded as ``{% load nhsuk %}`` (config/settings.py names it); templates/includes/field.html
is the one template that uses the field filters.
"""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField, BoundWidget
from django.utils.safestring import SafeString

register = template.Library()

# Widgets with several inputs are rendered option by option by field.html.
CHOICE_LISTS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


def _control_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.Textarea):
        return "nhsuk-textarea"
    if isinstance(widget, forms.Select):
        return "nhsuk-select"
    if isinstance(widget, forms.CheckboxInput):
        return "nhsuk-checkboxes__input"
    if isinstance(widget, forms.FileInput):
        return "nhsuk-file-upload__input"
    return "nhsuk-input"


def _joined(*classes: object) -> str:
    return " ".join(str(c) for c in classes if c)


def _described_by(field: BoundField) -> str:
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    return " ".join(ids)


@register.filter
def choice_list(field: BoundField) -> bool:
    """Whether the field is a list of radios or checkboxes (a fieldset of options)."""
    return isinstance(field.field.widget, CHOICE_LISTS)


@register.filter
def single_checkbox(field: BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def control(field: BoundField) -> SafeString:
    """The field's widget with the NHS.UK class, its error state and what describes it."""
    widget = field.field.widget
    css = _control_class(widget)
    attrs: dict[str, str | bool] = {
        "class": _joined(widget.attrs.get("class"), css, field.errors and f"{css}--error")
    }
    if described := _described_by(field):
        attrs["aria-describedby"] = described
    return field.as_widget(attrs=attrs)


@register.filter
def option(choice: BoundWidget, css: str) -> SafeString:
    """One radio or checkbox of a list, unwrapped from its label, with the NHS.UK class."""
    data = {**choice.data, "attrs": {**choice.data["attrs"]}}
    data["attrs"]["class"] = _joined(data["attrs"].get("class"), css)
    # As BoundWidget.tag() renders it, from a copy of its data with the class added.
    context = {"widget": {**data, "wrap_label": False}}
    return SafeString(choice.renderer.render(choice.template_name, context))


@register.filter
def error_target(field: BoundField) -> str:
    """The id of the control an error summary link moves to: the field's first input, or what
    the form names for it (``kit.forms.Form.error_anchors``)."""
    anchor = getattr(field, "error_anchor", "")
    if anchor:
        return str(anchor)
    if isinstance(field.field.widget, CHOICE_LISTS):
        return f"{field.auto_id}_0"
    return field.id_for_label or f"field-{field.html_name}"


@register.filter
def item(sequence: list[object], index: int) -> object:
    """The index-th item: a responsive table's column heading for the cell in that column."""
    try:
        return sequence[index]
    except (IndexError, TypeError):
        return ""


# The NHS.UK tag colour of each case stage and reporter status: blue for new, grey once closed,
# warmer as a case moves towards a decision. A value not named here is white.
TAG_COLOURS = {
    "new": "blue",
    "triage": "aqua-green",
    "manager_review": "purple",
    "investigation": "orange",
    "decision": "yellow",
    "closed": "grey",
    "received": "blue",
    "under_review": "orange",
}


@register.filter
def tag_colour(value: object) -> str:
    return f"nhsuk-tag--{TAG_COLOURS.get(str(value), 'white')}"
