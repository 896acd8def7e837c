from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from casework.access import DECISION_MAKERS, INVESTIGATORS
from casework.models import Case, CaseState, DismissalReason, Flag, Outcome, ReopenReason
from casework.reveal import REVEAL_REASON_MIN
from directory.forms import PersonField
from directory.models import Role, User
from directory.people import STAFF
from kit.forms import Form
from policies.models import Principle
from policies.services import principles_for_reporting

if TYPE_CHECKING:
    from django.db.models import QuerySet

NOTE_HELP = "Recorded in the case timeline with your name and the time."


class PrinciplesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Principle) -> str:
        return f"{obj.title} ({obj.version.policy.title} {obj.reference})"


class CaseActionForm(Form):
    """Every action carries the case revision it was drawn from, and a note."""

    seen_revision = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "The page was incomplete. Go back to the case and start the action again.",
            "invalid": "The page was incomplete. Go back to the case and start the action again.",
        },
    )
    note = forms.CharField(
        label="Note",
        help_text=NOTE_HELP,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
        error_messages={"required": "Add a note: say why."},
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("seen_revision", case.revision)
        super().__init__(*args, **kwargs)
        self.case = case

    def arguments(self) -> dict[str, object]:
        """Keyword arguments for the action's service, besides case and by."""
        return {
            "note": self.cleaned_data["note"],
            "seen_revision": self.cleaned_data["seen_revision"],
        }


class DismissForm(CaseActionForm):
    reason = forms.ChoiceField(
        label="Why is it being dismissed?",
        choices=DismissalReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why the case is being dismissed."},
    )
    duplicate_of = forms.CharField(
        label="Reference of the case it duplicates",
        required=False,
        max_length=32,
        help_text="Only for a duplicate. Its reports and evidence move to that case.",
    )
    field_order = ["reason", "duplicate_of", "note"]

    def __init__(self, *args: Any, visible: QuerySet[Case] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.visible = visible

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        cleaned["duplicate_case"] = None
        if cleaned.get("reason") == DismissalReason.DUPLICATE:
            reference = (cleaned.get("duplicate_of") or "").strip().upper()
            if not reference:
                self.add_error(
                    "duplicate_of", "Give the reference of the case this one duplicates."
                )
                return cleaned
            survivor = (
                self.visible.filter(reference=reference).first()
                if self.visible is not None
                else None
            )
            if survivor is None:
                self.add_error("duplicate_of", f"There is no case {reference} that you can see.")
            elif survivor.pk == self.case.pk:
                self.add_error("duplicate_of", "A case can't be a duplicate of itself.")
            elif survivor.state == CaseState.CLOSED:
                self.add_error("duplicate_of", f"{reference} is closed; choose an open case.")
            cleaned["duplicate_case"] = survivor
        return cleaned

    def arguments(self) -> dict[str, object]:
        return {
            **super().arguments(),
            "reason": self.cleaned_data["reason"],
            "duplicate_of": self.cleaned_data["duplicate_case"],
        }


class ResolveInformallyForm(CaseActionForm):
    action_taken = forms.CharField(
        label="What was done?",
        help_text="For example: the post was removed and we talked about the policy.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
        error_messages={"required": "Say what was done."},
    )
    post_removed = forms.BooleanField(label="The post has been removed", required=False)
    employee_spoken_to = forms.BooleanField(
        label="I have spoken to the employee about it",
        error_messages={
            "required": "An informal resolution needs you to have spoken to the employee."
        },
    )
    field_order = ["action_taken", "post_removed", "employee_spoken_to", "note"]

    def arguments(self) -> dict[str, object]:
        return {
            **super().arguments(),
            "action_taken": self.cleaned_data["action_taken"],
            "post_removed": self.cleaned_data["post_removed"],
            "employee_spoken_to": self.cleaned_data["employee_spoken_to"],
        }


class AssignForm(CaseActionForm):
    investigator = PersonField(
        label="Investigator",
        scope=INVESTIGATORS,
        help_text="Type part of the name or work email of an HR investigator.",
        error_messages={"required": "Choose the investigator."},
    )
    decision_maker = PersonField(
        label="Decision maker",
        scope=DECISION_MAKERS,
        help_text="Type part of the name or work email of an HR lead.",
        error_messages={"required": "Choose the decision maker."},
    )
    field_order = ["investigator", "decision_maker", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.case.investigator_id:
            self.initial.setdefault("investigator", self.case.investigator_id)
        if self.case.decision_maker_id:
            self.initial.setdefault("decision_maker", self.case.decision_maker_id)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("investigator") and cleaned.get("investigator") == cleaned.get(
            "decision_maker"
        ):
            self.add_error(
                "decision_maker",
                "The decision maker must be a different person from the investigator.",
            )
        return cleaned

    def arguments(self) -> dict[str, object]:
        return {
            **super().arguments(),
            "investigator": self.cleaned_data["investigator"],
            "decision_maker": self.cleaned_data["decision_maker"],
        }


FINDING_CHOICES = [("upheld", "Upheld"), ("not_upheld", "Not upheld")]


class FindingsForm(CaseActionForm):
    terms_of_reference = forms.CharField(
        label="Terms of reference", widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000
    )
    evidence_summary = forms.CharField(
        label="Summary of the evidence", widget=forms.Textarea(attrs={"rows": 6}), max_length=50_000
    )
    interview_records = forms.CharField(
        label="Interview records",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=50_000,
        help_text="Who was interviewed, when, and what they said.",
    )
    recommendation = forms.CharField(
        label="Recommendation", widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        case = self.case
        for name in (
            "terms_of_reference",
            "evidence_summary",
            "interview_records",
            "recommendation",
        ):
            if getattr(case, name):
                self.initial.setdefault(name, getattr(case, name))
        existing = {finding.principle_id: finding for finding in case.findings.all()}
        self.principles = list(
            case.principles.select_related("investigated_under", "version__policy")
        )
        for principle in self.principles:
            finding = existing.get(principle.pk)
            self.fields[f"finding_{principle.pk}"] = forms.ChoiceField(
                label=f"Finding: {principle.title}",
                help_text=f"Investigated under the {principle.investigated_under.title}.",
                choices=FINDING_CHOICES,
                widget=forms.RadioSelect,
                initial=None if finding is None else ("upheld" if finding.upheld else "not_upheld"),
                error_messages={"required": f"Record a finding on “{principle.title}”."},
            )
        self.order_fields(
            ["terms_of_reference", "evidence_summary", "interview_records"]
            + [f"finding_{p.pk}" for p in self.principles]
            + ["recommendation", "note"]
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not self.principles:
            raise ValidationError("The case has no alleged principles to make findings on.")
        return cleaned

    def arguments(self) -> dict[str, object]:
        from casework.services import FindingInput

        return {
            **super().arguments(),
            "terms_of_reference": self.cleaned_data["terms_of_reference"],
            "evidence_summary": self.cleaned_data["evidence_summary"],
            "interview_records": self.cleaned_data["interview_records"],
            "recommendation": self.cleaned_data["recommendation"],
            "findings": [
                FindingInput(principle=p, upheld=self.cleaned_data[f"finding_{p.pk}"] == "upheld")
                for p in self.principles
            ],
        }


class OutcomeForm(CaseActionForm):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome."},
    )
    rationale = forms.CharField(
        label="Rationale",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20_000,
        error_messages={"required": "Give the rationale for the outcome."},
    )
    appeal_deadline = forms.DateField(
        label="Appeal deadline",
        # The value an HTML date input needs is ISO; typed (where the browser has no date
        # picker), 01/12/2026 is read as in the UK (config/formats).
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Give the date by which an appeal must be made."},
    )
    field_order = ["outcome", "rationale", "appeal_deadline", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("appeal_deadline", timezone.localdate() + dt.timedelta(days=14))

    def clean_appeal_deadline(self) -> dt.date:
        deadline = self.cleaned_data["appeal_deadline"]
        if deadline < timezone.localdate():
            raise ValidationError("The appeal deadline can't be in the past.")
        return deadline

    def arguments(self) -> dict[str, object]:
        return {
            **super().arguments(),
            "outcome": self.cleaned_data["outcome"],
            "rationale": self.cleaned_data["rationale"],
            "appeal_deadline": self.cleaned_data["appeal_deadline"],
        }


class ReopenForm(CaseActionForm):
    reason = forms.ChoiceField(
        label="Why is it being reopened?",
        choices=ReopenReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the reason for reopening the case."},
    )
    field_order = ["reason", "note"]

    def arguments(self) -> dict[str, object]:
        return {**super().arguments(), "reason": self.cleaned_data["reason"]}


class DetailsForm(CaseActionForm):
    poster = PersonField(
        label="The member of staff who posted",
        scope=STAFF,
        required=False,
        help_text="Type part of their name, or their work email. Leave it empty if they are not "
        "identified yet.",
    )
    poster_handle = forms.CharField(
        label="Their handle or pseudonym", max_length=200, required=False
    )
    principles = PrinciplesField(
        label="Principles at stake",
        queryset=Principle.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    triage_summary = forms.CharField(
        label="Triage summary",
        help_text="What the line manager needs to know. The reporter's identity stays out of it if they asked "
        "for confidentiality.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20_000,
        required=False,
    )
    field_order = ["poster", "poster_handle", "principles", "triage_summary", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].required = False
        principles = principles_for_reporting() | Principle.objects.filter(cases=self.case)
        cast(PrinciplesField, self.fields["principles"]).queryset = principles.distinct()
        case = self.case
        self.initial.setdefault("poster", case.poster_id)
        self.initial.setdefault("poster_handle", case.poster_handle)
        self.initial.setdefault("principles", list(case.principles.values_list("pk", flat=True)))
        self.initial.setdefault("triage_summary", case.triage_summary)

    def arguments(self) -> dict[str, object]:
        return {
            **super().arguments(),
            "poster": self.cleaned_data["poster"],
            "poster_handle": self.cleaned_data["poster_handle"],
            "principles": list(self.cleaned_data["principles"]),
            "triage_summary": self.cleaned_data["triage_summary"],
        }


class FlagForm(CaseActionForm):
    flag = forms.ChoiceField(label="Flag", choices=Flag.choices)
    raised = forms.TypedChoiceField(
        label="Raise or clear",
        choices=[("1", "Raise the flag"), ("0", "Clear the flag")],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="1",
        error_messages={"required": "Choose whether to raise or clear the flag."},
    )
    became_aware_at = forms.DateTimeField(
        label="When the organisation became aware (data breaches only)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="The 72-hour clock for telling the ICO runs from this moment. Leave empty for now.",
    )
    field_order = ["flag", "raised", "became_aware_at", "note"]

    def clean_became_aware_at(self) -> dt.datetime | None:
        moment = self.cleaned_data.get("became_aware_at")
        if moment and moment > timezone.now() + dt.timedelta(minutes=5):
            raise ValidationError("This is in the future.")
        return moment

    def arguments(self) -> dict[str, object]:
        return {
            **super().arguments(),
            "flag": self.cleaned_data["flag"],
            "raised": self.cleaned_data["raised"],
            "became_aware_at": self.cleaned_data.get("became_aware_at"),
        }


class LinkHandleForm(CaseActionForm):
    handle = forms.CharField(label="Handle or pseudonym", max_length=200)
    user = PersonField(
        label="Belongs to",
        scope=STAFF,
        error_messages={"required": "Say which member of staff the handle belongs to."},
    )
    field_order = ["handle", "user", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].required = False
        if self.case.poster_handle:
            self.initial.setdefault("handle", self.case.poster_handle)

    def arguments(self) -> dict[str, object]:
        return {
            **super().arguments(),
            "handle": self.cleaned_data["handle"],
            "user": self.cleaned_data["user"],
        }


class NoteForm(CaseActionForm):
    def arguments(self) -> dict[str, object]:
        return {"note": self.cleaned_data["note"]}


class FlagResponseForm(CaseActionForm):
    flag = forms.ChoiceField(
        label="Which flag are you responding to?",
        choices=[],
        error_messages={"required": "Choose the flag you are responding to."},
    )
    reported_to_ico = forms.TypedChoiceField(
        label="Was the breach reported to the ICO? (data breaches only)",
        choices=[
            ("", "Not a data breach"),
            ("1", "Yes, reported to the ICO"),
            ("0", "No, not reportable"),
        ],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )
    field_order = ["flag", "reported_to_ico", "note"]

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = []
        if (
            self.case.flag_safeguarding
            and user is not None
            and user.has_role(Role.SAFEGUARDING_LEAD)
        ):
            choices.append((Flag.SAFEGUARDING.value, Flag.SAFEGUARDING.label))
        if self.case.flag_data_breach and user is not None and user.has_role(Role.IG_LEAD):
            choices.append((Flag.DATA_BREACH.value, Flag.DATA_BREACH.label))
        cast(forms.ChoiceField, self.fields["flag"]).choices = choices
        self.fields["note"].label = "What was done?"
        self.fields["note"].error_messages["required"] = "Say what was done about the flag."

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("flag") == Flag.DATA_BREACH and cleaned.get("reported_to_ico") is None:
            self.add_error("reported_to_ico", "Say whether the breach was reported to the ICO.")
        return cleaned

    def arguments(self) -> dict[str, object]:
        return {
            **super().arguments(),
            "flag": self.cleaned_data["flag"],
            "reported_to_ico": self.cleaned_data.get("reported_to_ico"),
        }


class RevealForm(Form):
    reason = forms.CharField(
        label="Why do you need to know who made this report?",
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=REVEAL_REASON_MIN,
        max_length=500,
        help_text="Your name, the time and this reason are kept in the case's access history, which the HR "
        "lead and the information governance lead can read.",
        error_messages={
            "required": "Give a reason for revealing the reporter's name.",
            "min_length": f"Give a fuller reason, of at least {REVEAL_REASON_MIN} characters.",
            "max_length": "Keep the reason to 500 characters or fewer.",
        },
    )
