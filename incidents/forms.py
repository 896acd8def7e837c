from __future__ import annotations

import datetime as dt
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from directory.forms import PersonField
from directory.models import User
from directory.people import STAFF
from incidents.files import CheckedFile, evidence_file_check
from incidents.links import link_check
from incidents.models import Answer, Platform, PosterKind
from incidents.services import ReportDraft, upload_limit_check
from kit.downloads import size_text
from kit.forms import Form
from policies.models import Principle, PrincipleTheme
from policies.register import TRUST
from policies.services import principles_for_reporting

# Whose staff report here. Until the directory knows each person's organisation, the Trust's:
# its policies lead the report form, and other employers' follow, collapsed.
REPORTERS_ORGANISATION = TRUST

DESCRIPTION_MAX = 20_000
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes any number of files; the limits are checked by the form."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: object, initial: object = None) -> list:
        if not data:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        items = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DATETIME_FORMAT, **kwargs)


@dataclass(frozen=True)
class PrincipleOption:
    principle: Principle
    checked: bool


@dataclass(frozen=True)
class ThemeGroup:
    label: str
    options: list[PrincipleOption]

    @property
    def checked(self) -> bool:
        return any(option.checked for option in self.options)


@dataclass(frozen=True)
class PrincipleGroup:
    title: str
    organisation: str
    options: list[PrincipleOption]
    themes: list[ThemeGroup]
    own: bool  # the reporter's own organisation's policy, shown first

    @property
    def checked(self) -> bool:
        return any(option.checked for option in self.options)


class PrincipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Principle) -> str:
        return f"{obj.title}: {obj.summary}"


def _links_clean(raw: str, *, notices: list[str]) -> list[str]:
    """One link a line; every bad line is named in one message so all can be fixed at once.

    What was changed in a link that is kept (sign-in details removed) is added
    to ``notices``, to tell the reporter once their evidence is saved.
    """
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    if not lines:
        raise ValidationError("Add the link to the post, starting with https://.", code="required")
    errors: list[ValidationError] = []
    links: list[str] = []
    for line in lines:
        try:
            checked = link_check(line)
        except ValidationError as error:
            errors.append(error)
            continue
        link = checked.url
        if checked.sign_in_removed:
            # The cleaned link only: the name and password themselves are never repeated.
            notices.append(
                f"The link {link} had a user name or password in it. "
                "We removed them before saving the link."
            )
        if link not in links:
            links.append(link)
    if errors:
        raise ValidationError(errors)
    if len(links) > settings.EVIDENCE_MAX_LINKS:
        raise ValidationError(
            "You can add up to %(max)s links to one report; you gave %(count)s.",
            params={"max": settings.EVIDENCE_MAX_LINKS, "count": len(links)},
            code="too_many",
        )
    return links


def _files_clean(
    uploads: list, *, uploader: User, already: int = 0, with_report: bool = False
) -> list[CheckedFile]:
    limit = settings.EVIDENCE_MAX_FILES
    if len(uploads) + already > limit:
        if already:
            raise ValidationError(
                "A report can hold %(max)s files; this one has %(already)s, so you can add %(left)s more.",
                params={"max": limit, "already": already, "left": max(limit - already, 0)},
                code="too_many",
            )
        raise ValidationError(
            "You can attach up to %(max)s files; you chose %(count)s.",
            params={"max": limit, "count": len(uploads)},
            code="too_many",
        )
    # Before the files are opened: over the limit, none of them costs any work.
    upload_limit_check(user=uploader, adding=len(uploads), with_report=with_report)
    checked: list[CheckedFile] = []
    errors: list[ValidationError] = []
    for upload in uploads:
        try:
            checked.append(evidence_file_check(upload))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return checked


class ReportForm(Form):
    # The report page draws the principles' checkboxes itself, grouped, with ids by principle.
    error_anchors = {"principles": "id_principles_error"}

    submission_token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "The form was incomplete. Check your answers and send the report again.",
            "invalid": "The form was incomplete. Check your answers and send the report again.",
        },
    )
    links = forms.CharField(
        label="Link to the post",
        error_messages={"required": "Add the link to the post, starting with https://."},
        help_text="Copy the address of the post from your browser or app. "
        "If there is more than one post, put each link on its own line (up to 10).",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}),
    )
    platform = forms.ChoiceField(
        label="Where was it posted?",
        choices=[("", "Work it out from the link")] + list(Platform.choices),
        required=False,
        help_text="Leave this to be worked out from the link, or choose the site yourself.",
    )
    seen_at = forms.DateTimeField(
        label="When did you see it?",
        widget=DateTimeLocalInput(),
        error_messages={
            "required": "Enter the date and time you saw the post (roughly is fine).",
            "invalid": "Enter the date and time you saw the post, for example 21/11/2026 14:30.",
        },
    )
    posted_at = forms.DateTimeField(
        label="When was it posted?",
        help_text="If you know. Posts often show a date or “2 days ago”.",
        required=False,
        error_messages={
            "invalid": "Enter the date and time it was posted, for example 19/11/2026 22:05."
        },
        widget=DateTimeLocalInput(),
    )
    description = forms.CharField(
        label="What does the post show?",
        help_text="Describe it in your own words: what was posted, and why you think it breaks the policy.",
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": "Describe what the post shows.",
            "max_length": "Please keep the description to %(limit_value)s characters or fewer "
            "(it has %(show_value)s). Screenshots can carry the rest.",
        },
    )
    poster_kind = forms.ChoiceField(
        label="Who posted it?",
        choices=PosterKind.choices,
        widget=forms.RadioSelect,
        initial=PosterKind.UNKNOWN,
        error_messages={"required": "Say who posted it, or that you don't know."},
    )
    poster = PersonField(label="The colleague who posted it", scope=STAFF, required=False)
    poster_handle = forms.CharField(
        label="Their account name, handle or pseudonym", max_length=200, required=False
    )
    principles = PrincipleChoiceField(
        label="What might it breach?",
        help_text="Tick any that seem to apply. If you're not sure, leave them: the case team will decide.",
        queryset=Principle.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    shows_patient = forms.ChoiceField(
        label="Does it show a patient, or information about a patient?",
        choices=Answer.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say whether it shows a patient or patient information (“Not sure” is fine)."
        },
    )
    welfare_risk = forms.ChoiceField(
        label="Do you think someone's welfare is at risk?",
        help_text="For example a post showing low mood or thoughts of self-harm.",
        choices=Answer.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say whether you think someone's welfare is at risk (“Not sure” is fine)."
        },
    )
    screenshots = MultipleFileField(
        label="Screenshots",
        required=False,
        # The help text is set in __init__, from the limits in force.
        widget=MultipleFileInput(attrs={"accept": "image/png,image/jpeg,application/pdf"}),
    )
    confidential = forms.BooleanField(
        label="Keep my identity confidential",
        required=False,
        help_text="Only HR and the decision maker will see that you made this report. "
        "The line manager of the person who posted will not.",
    )

    def __init__(self, *args: Any, reporter: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"submission_token": uuid.uuid4()})
        super().__init__(*args, **kwargs)
        self.reporter = reporter
        self.notices: list[str] = []  # what to tell the reporter once the report is saved
        self.fields["screenshots"].help_text = (
            f"PNG, JPEG or PDF, up to {settings.EVIDENCE_MAX_FILES} files of "
            f"{size_text(settings.EVIDENCE_MAX_FILE_BYTES)} each. "
            "Posts are often deleted, so a screenshot keeps what you saw. "
            "Pictures are saved without their hidden details, such as where a photo was taken."
        )
        self._principles = list(principles_for_reporting())
        cast(PrincipleChoiceField, self.fields["principles"]).queryset = principles_for_reporting()

    def principle_groups(self) -> list[PrincipleGroup]:
        """The principles under their policy, the reporter's organisation's first, and within
        each policy under plain-words headings; each marked if the reporter ticked it."""
        chosen = {str(value) for value in (self["principles"].value() or [])}
        by_policy: OrderedDict[str, list[PrincipleOption]] = OrderedDict()
        organisations: dict[str, str] = {}
        for principle in self._principles:
            title = principle.version.policy.title
            organisations[title] = principle.version.policy.organisation
            by_policy.setdefault(title, []).append(
                PrincipleOption(principle=principle, checked=str(principle.pk) in chosen)
            )
        groups = []
        for title, options in by_policy.items():
            themes: OrderedDict[str, list[PrincipleOption]] = OrderedDict(
                (theme, []) for theme in PrincipleTheme.values
            )
            for option in options:
                themes[option.principle.theme].append(option)
            groups.append(
                PrincipleGroup(
                    title=title,
                    organisation=organisations[title],
                    options=options,
                    themes=[
                        ThemeGroup(label=PrincipleTheme(theme).label, options=found)
                        for theme, found in themes.items()
                        if found
                    ],
                    own=organisations[title] == REPORTERS_ORGANISATION,
                )
            )
        # Stable: the reporter's own organisation's policies first, the rest as they were.
        return sorted(groups, key=lambda group: not group.own)

    def clean_links(self) -> list[str]:
        return _links_clean(self.cleaned_data["links"], notices=self.notices)

    def clean_seen_at(self) -> dt.datetime:
        seen_at = self.cleaned_data["seen_at"]
        if seen_at > timezone.now() + dt.timedelta(minutes=5):
            raise ValidationError(
                "This is in the future. When did you see the post?", code="future"
            )
        return seen_at

    def clean_screenshots(self) -> list[CheckedFile]:
        return _files_clean(
            self.cleaned_data.get("screenshots") or [], uploader=self.reporter, with_report=True
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        kind = cleaned.get("poster_kind")
        if kind != PosterKind.COLLEAGUE:
            # The colleague box counts only when a colleague posted it: a name left in it is ignored.
            self.errors.pop("poster", None)
            cleaned["poster"] = None
            cast(PersonField, self.fields["poster"]).picker.matches = []
        elif not cleaned.get("poster") and "poster" not in self.errors:
            self.add_error(
                "poster", "Choose the colleague who posted it, or pick another answer above."
            )
        if kind == PosterKind.HANDLE and not cleaned.get("poster_handle", "").strip():
            self.add_error(
                "poster_handle", "Give the account name or handle, or pick another answer above."
            )
        seen_at, posted_at = cleaned.get("seen_at"), cleaned.get("posted_at")
        if seen_at and posted_at and posted_at > seen_at:
            self.add_error("posted_at", "The post can't have been made after you saw it.")
        return cleaned

    def draft(self) -> ReportDraft:
        data = self.cleaned_data
        return ReportDraft(
            submission_token=data["submission_token"],
            links=data["links"],
            platform=data["platform"],
            seen_at=data["seen_at"],
            posted_at=data.get("posted_at"),
            description=data["description"],
            poster_kind=data["poster_kind"],
            poster=data.get("poster"),
            poster_handle=data.get("poster_handle", "").strip(),
            principles=list(data["principles"]),
            shows_patient=data["shows_patient"],
            welfare_risk=data["welfare_risk"],
            confidential=data["confidential"],
            files=data["screenshots"],
        )


class EvidenceAddForm(Form):
    links = forms.CharField(
        label="More links",
        required=False,
        help_text="One link a line.",
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
    )
    screenshots = MultipleFileField(
        label="More screenshots",
        required=False,
        # The help text is set in __init__, from the limit in force.
        widget=MultipleFileInput(attrs={"accept": "image/png,image/jpeg,application/pdf"}),
    )

    def __init__(
        self,
        *args: Any,
        uploader: User,
        files_already: int = 0,
        links_already: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.uploader = uploader
        self.notices: list[str] = []  # what to tell the reporter once the evidence is saved
        self.fields[
            "screenshots"
        ].help_text = (
            f"PNG, JPEG or PDF, {size_text(settings.EVIDENCE_MAX_FILE_BYTES)} each at most."
        )
        self.files_already = files_already
        self.links_already = links_already

    def clean_links(self) -> list[str]:
        raw = self.cleaned_data.get("links", "")
        if not raw.strip():
            return []
        links = _links_clean(raw, notices=self.notices)
        if len(links) + self.links_already > settings.EVIDENCE_MAX_LINKS:
            raise ValidationError(
                "A report can hold %(max)s links; this one has %(already)s.",
                params={"max": settings.EVIDENCE_MAX_LINKS, "already": self.links_already},
                code="too_many",
            )
        return links

    def clean_screenshots(self) -> list[CheckedFile]:
        return _files_clean(
            self.cleaned_data.get("screenshots") or [],
            uploader=self.uploader,
            already=self.files_already,
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not self.errors and not cleaned.get("links") and not cleaned.get("screenshots"):
            raise ValidationError("Add at least one link or file.", code="empty")
        return cleaned
