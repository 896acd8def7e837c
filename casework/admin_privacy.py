"""What the admin may show of a case: the case pages' rules, applied to the admin's screens.

The administrator looks after users, roles, the policy register and reminder
timings; the admin shows cases, reports and evidence only so they can be
looked after. So, on every admin screen:

- a confidential reporter is "Confidential reporter", wherever they appear
  on that case (its reports, timeline, evidence, audit rows, their receipt)
  and a search for their name or email doesn't find those rows. Only the HR
  lead and the assigned investigator may know them, and only through the
  audited Reveal on the case page; the admin has no such step, so it never
  names them, whoever is signed in;
- a case about the signed-in person (and everything hanging from it) is not
  there at all, as on the case pages;
- each page showing a case, a report or an evidence file is a "case viewed"
  line in the audit trail, as the case page is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.text import smart_split, unescape_string_literal

from audit.models import AuditKind
from audit.services import audit_record
from casework.access import CONFIDENTIAL_REPORTER, case_ids_about, confidential_reporter_exists
from casework.models import Case
from directory.models import User

if TYPE_CHECKING:
    # The mixins are only ever mixed into a ModelAdmin: type-check them as one.
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = object

__all__ = [
    "CONFIDENTIAL_REPORTER",
    "AuditedCaseAdminMixin",
    "NotAboutThemAdminMixin",
    "WithheldPeopleSearchMixin",
    "case_ids_about",
    "confidential_reporter_exists",
    "person_shown",
]


def person_shown(person: User | None, *, withheld: bool, nobody: str = "Flagpost") -> str:
    """A person as plain text (never a link to their admin page), or "Confidential reporter"."""
    if withheld:
        return CONFIDENTIAL_REPORTER
    if person is None:
        return nobody
    return person.get_full_name() or person.email


def _search_terms(search_term: str) -> list[str]:
    # Split as Django's own admin search does: words, or "quoted phrases".
    terms = []
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        if bit:
            terms.append(bit)
    return terms


def _any_contains(fields: Iterable[str], term: str) -> Q:
    found = Q(pk__in=[])
    for field in fields:
        found |= Q(**{f"{field}__icontains": term})
    return found


class WithheldPeopleSearchMixin(_ModelAdmin):
    """Admin search that matches a person's name or email only on rows where that person is shown.

    ``search_fields`` are matched as usual (plain field names only);
    ``person_search_fields`` only where ``person_searchable()`` holds, so
    searching for a confidential reporter doesn't single out their rows.
    """

    person_search_fields: tuple[str, ...] = ()

    def person_searchable(self) -> Q:
        raise NotImplementedError

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        for term in _search_terms(search_term):
            queryset = queryset.filter(
                _any_contains(self.search_fields, term)
                | (_any_contains(self.person_search_fields, term) & self.person_searchable())
            )
        # Every field searched is on the row or on a row it points to: no duplicates.
        return queryset, False


def _staff(request: HttpRequest) -> User:
    # The admin site lets no one in who isn't signed in as staff.
    return cast(User, request.user)


class NotAboutThemAdminMixin(_ModelAdmin):
    """Leaves out everything belonging to a case about the signed-in person.

    ``case_lookup`` is the path from a row to its case ("pk" on cases
    themselves); a row with no case stays.
    """

    case_lookup = "case"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        about = case_ids_about(_staff(request))
        return queryset.exclude(**{f"{self.case_lookup}__in": about})


class AuditedCaseAdminMixin(NotAboutThemAdminMixin):
    """Each admin page showing a case, a report or an evidence file writes a "case viewed" audit row.

    A page about one object is recorded against its case (so it is in the
    case's access history); a list page is one row naming the cases it
    showed. Pages are kept to 20 rows so that row can name every one of them
    (the trail keeps at most 20 items of a list).
    """

    audit_page = ""
    list_per_page = 20
    list_max_show_all = 20

    def case_of(self, obj: Any) -> Case:
        raise NotImplementedError

    def audit_detail(self, obj: Any) -> dict[str, object]:
        return {}

    def _audit_view(self, request: HttpRequest, obj: Any, page: str) -> None:
        audit_record(
            kind=AuditKind.CASE_VIEWED,
            actor=_staff(request),
            case=self.case_of(obj),
            detail={"page": page, **self.audit_detail(obj)},
            request=request,
        )

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        # Called only once the object was found in get_queryset, i.e. the page is really shown.
        if obj is not None and request.method in ("GET", "HEAD"):
            self._audit_view(request, obj, self.audit_page)
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().history_view(request, object_id, extra_context)
        obj = (getattr(response, "context_data", None) or {}).get("object")
        if response.status_code == 200 and obj is not None:
            self._audit_view(request, obj, f"{self.audit_page}_history")
        return response

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if (
            response.status_code == 200
            and changelist is not None
            and request.method in ("GET", "HEAD")
        ):
            shown = list(
                dict.fromkeys(self.case_of(obj).reference for obj in changelist.result_list)
            )
            # What was searched for is left out: it can be someone's name.
            audit_record(
                kind=AuditKind.CASE_VIEWED,
                actor=_staff(request),
                detail={"page": f"{self.audit_page}_list", "shown": shown},
                request=request,
            )
        return response
