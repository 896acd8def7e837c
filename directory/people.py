"""Finding a person in the directory by what someone types: part of a name or job title, or a work email.

Forms that ask for a person (who posted, the investigator, the decision
maker, whose handle it is) no longer list every member of staff; they take
what is typed and either search as you type (``people_search``, behind the
picker's JSON endpoint) or, without JavaScript, resolve it on submit
(``person_resolve``). Both read the same ``people_matching``, so a name the
browser offers is a name the server accepts.

Who may be picked for a field is a ``PersonScope``: a queryset and a rule for
who may search it. The directory declares the everyday one (``STAFF``); an
app with a narrower field registers its own (``person_scope_register``) from
its ``AppConfig.ready``, keeping the rule in that app.

The searches are served by indexes on PostgreSQL: trigram GIN indexes on the
lower-cased first and last names (migration 0004) and job title (0005), and a
pattern index on the lower-cased email (0004). Every word typed must start a
first name, a last name, a word of the job title or an email; a word of three
letters or more may also fall anywhere in a name or job title ("son" finds
Jackson, "therap" a physiotherapist), which is as far as a trigram index can
go. A job title is matched word by word because one word of it ("nurse",
"manager") is how people remember a colleague whose name they half know.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from django.db.models.functions import Concat, Lower

from directory.models import User

SEARCH_LIMIT = 10
SEARCH_MIN_LENGTH = 2
# The most matches sorted to pick the ten shown (see ``people_search``).
SORT_CAP = 200
# More words than a name has only slow the search down.
_MAX_WORDS = 5
_MAX_LENGTH = 200


@dataclass(frozen=True)
class PersonScope:
    """Who may be picked for a field (``people``) and who may search them (``may_search``).

    ``noun`` names one of them in messages: "No HR investigator matches …".
    """

    name: str
    noun: str
    people: Callable[[], QuerySet[User]]
    may_search: Callable[[User], bool]


def active_staff() -> QuerySet[User]:
    return User.objects.filter(is_active=True)


def _signed_in(user: User) -> bool:
    return user.is_authenticated and user.is_active


STAFF = PersonScope(
    name="staff", noun="member of staff", people=active_staff, may_search=_signed_in
)

_SCOPES: dict[str, PersonScope] = {STAFF.name: STAFF}


def person_scope_register(*scopes: PersonScope) -> None:
    for scope in scopes:
        known = _SCOPES.get(scope.name)
        if known is not None and known != scope:
            raise ValueError(f"Two person scopes are called {scope.name!r}.")
        _SCOPES[scope.name] = scope


def person_scope(name: str) -> PersonScope | None:
    return _SCOPES.get(name)


def person_label(person: User) -> str:
    return person.get_full_name() or person.email


def person_detail(person: User) -> str:
    """What tells two people of the same name apart: job title and service."""
    service = person.service.name if person.service_id and person.service else ""
    return ", ".join(part for part in (person.job_title, service) if part)


def _words(text: str) -> list[str]:
    return text[:_MAX_LENGTH].lower().split()[:_MAX_WORDS]


def people_matching(people: QuerySet[User], text: str) -> QuerySet[User]:
    """``people`` whose name, job title or email matches every word of ``text`` (unordered, unlimited).

    The lower-cased columns are written exactly as the indexes are built, so
    the database can use them (``LOWER(first_name) LIKE 'pau%'``). A short
    word starts the job title or one of its words (``LIKE '% nu%'``): pg_trgm
    splits the title into words, so its index serves both.
    """
    words = _words(text)
    if not words:
        return people.none()
    people = people.annotate(
        first_lower=Lower("first_name"),
        last_lower=Lower("last_name"),
        job_lower=Lower("job_title"),
        email_lower=Lower("email"),
    )
    for word in words:
        if "@" in word:
            people = people.filter(email_lower__startswith=word)
            continue
        arm = Q(email_lower__startswith=word)
        if len(word) >= 3:
            arm |= Q(first_lower__contains=word) | Q(last_lower__contains=word)
            arm |= Q(job_lower__contains=word)
        else:
            arm |= Q(first_lower__startswith=word) | Q(last_lower__startswith=word)
            arm |= Q(job_lower__startswith=word) | Q(job_lower__contains=" " + word)
        people = people.filter(arm)
    return people


class _AnyOf(Func):
    """``pk = ANY(ARRAY(…))``, for PostgreSQL: the ids the subquery found, each read by primary key.

    ``pk IN (subquery)`` becomes a semi-join, which on a directory of thousands the
    planner may serve by reading the whole table to keep 200 rows.
    """

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()


@dataclass(frozen=True)
class Found:
    people: list[User]
    more: bool  # more matched than were returned


def people_search(people: QuerySet[User], text: str, *, limit: int = SEARCH_LIMIT) -> Found:
    """Up to ``limit`` matches in name order, for the picker's list; nothing for under 2 characters.

    Sorting every match of a common name ("smith" is one person in six in a
    big directory) would read them all to show ten, so the sort takes the first
    ``SORT_CAP`` matches the index finds. Up to that many matches the list is
    exactly the first ten by name; past it, ten of them by name, and ``more``
    says to type more, which is what narrows it to the right person anyway.
    """
    if len(text.strip()) < SEARCH_MIN_LENGTH:
        return Found(people=[], more=False)
    found = people_matching(people, text).order_by().values("pk")[:SORT_CAP]
    if connections[people.db].vendor == "postgresql":
        chosen = User.objects.filter(_AnyOf(F("pk"), ArraySubquery(found)))
    else:
        chosen = User.objects.filter(pk__in=found)
    rows = list(
        chosen.select_related("service").order_by("last_name", "first_name", "pk")[: limit + 1]
    )
    return Found(people=rows[:limit], more=len(rows) > limit)


@dataclass(frozen=True)
class Resolution:
    """What a typed answer comes to: one person, or the people it might mean (none, or several)."""

    person: User | None = None
    matches: list[User] = field(default_factory=list)
    more: bool = False


def _matches_text(person: User, text: str, people: QuerySet[User]) -> bool:
    folded = " ".join(_words(text))
    if folded in (person_label(person).lower(), person.email.lower()):
        return True
    return people_matching(people, text).filter(pk=person.pk).exists()


def person_resolve(people: QuerySet[User], text: str, *, chosen: object = None) -> Resolution:
    """The one person among ``people`` that ``text`` (and the id ``chosen``, if any) stands for.

    ``chosen`` is the id the picker or a "which did you mean" choice sent. It is
    only taken when that person is in ``people`` *and* still fits the text: a
    person picked and then typed over is not kept. Otherwise the text alone
    decides: an exact email, then a single person with exactly that name, then a
    single match of any kind.
    """
    text = text.strip()
    if not text:
        return Resolution()
    if chosen not in (None, ""):
        try:
            chosen_id = int(str(chosen))
        except ValueError:
            chosen_id = None
        picked = people.filter(pk=chosen_id).first() if chosen_id is not None else None
        if picked is not None and _matches_text(picked, text, people):
            return Resolution(person=picked)
    folded = " ".join(_words(text))
    if "@" in folded:
        exact = list(people.annotate(email_lower=Lower("email")).filter(email_lower=folded)[:2])
        if len(exact) == 1:
            return Resolution(person=exact[0])
    matching = people_matching(people, text)
    same_name = list(
        matching.annotate(name_lower=Lower(Concat("first_name", Value(" "), "last_name"))).filter(
            name_lower=folded
        )[:2]
    )
    if len(same_name) == 1:
        return Resolution(person=same_name[0])
    found = people_search(people, text)
    if len(found.people) == 1 and not found.more:
        return Resolution(person=found.people[0])
    return Resolution(matches=found.people, more=found.more)
