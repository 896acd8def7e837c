"""Writes to the staff directory: the role groups and the staff import.

The staff import reads the directory CSV that HR exports and brings the
directory in line with it. It is meant to be re-run (for example nightly):
people are matched on their work email, so a second run updates rather than
duplicates.
"""

from __future__ import annotations

import csv
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Field, Q
from django.db.models.functions import Lower

from directory.models import Directorate, EmploymentType, Role, Service, User, role_group
from organisations.models import EmailDomain, Organisation

REQUIRED_COLUMNS: tuple[str, ...] = (
    "email",
    "first_name",
    "last_name",
    "job_title",
    "employment_type",
    "directorate",
    "service",
    "line_manager_email",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("roles", "organisation")


def directorate_of(person: User | None) -> int | None:
    """The id of the directorate of ``person``'s service, if they have one."""
    if person is None or person.service_id is None:
        return None
    return (
        Service.objects.filter(pk=person.service_id)
        .values_list("directorate_id", flat=True)
        .first()
    )


def roles_ensure() -> None:
    """Create the group of every role (named after it at first); safe to call again."""
    for role in Role:
        role_group(role)


def management_loop_reason(person: str, managers: Sequence[str]) -> str:
    """Why a line manager is refused: following the line up from them comes back to ``person``.

    ``managers`` are the would-be line manager, their manager, and so on,
    ending with ``person``, each already written as it should be shown.
    """
    text = f"{person}'s line manager would be {managers[0]}"
    for name in managers[1:]:
        text += f", who is managed by {name}"
    return f"{text} — a management chain can't loop"


class StaffImportFileError(ValueError):
    """The file as a whole can't be imported (empty, or a required column is missing).

    Raised before anything is written.
    """


class RowError(NamedTuple):
    line: int  # the line of the CSV file where the row starts; the header is line 1
    reason: str


@dataclass
class StaffImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    # The people the import added, for a caller that invites them.
    created_people: list[User] = field(default_factory=list)
    # With ``full``: the people missing from the extract, now marked as having left.
    left: list[User] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.errors)


@dataclass(frozen=True)
class _StaffRow:
    line: int
    email: str
    first_name: str
    last_name: str
    job_title: str
    employment_type: str
    directorate: str
    service: str
    manager_email: str
    roles: tuple[Role, ...]
    organisation_id: int | None  # None: keep the person's, or take their email domain's


def _words(value: str) -> str:
    # Spreadsheets are typed by hand: "Temporary  or Agency" is "temporary or agency".
    return " ".join(value.lower().split())


_EMPLOYMENT_TYPES: dict[str, str] = {
    **{_words(choice.value): choice.value for choice in EmploymentType},
    **{_words(str(choice.label)): choice.value for choice in EmploymentType},
    # HR systems often say just "agency" for a temporary worker placed by an agency.
    "agency": EmploymentType.TEMPORARY.value,
}
_ROLES: dict[str, Role] = {
    **{_words(role.value): role for role in Role},
    **{_words(str(role.label)): role for role in Role},
}


def _max_length(model: type[User | Directorate | Service], name: str) -> int:
    field = model._meta.get_field(name)
    max_length = field.max_length if isinstance(field, Field) else None
    assert max_length is not None
    return max_length


class TooManyLeavers(StaffImportFileError):
    """A full extract would mark more people as having left than it may: nothing was changed."""


# A full extract missing more than this share of its organisations' people (and more than one) is more likely cut
# short than a record of so many leavers.
LEAVERS_SHARE_LIMIT = 0.1


def staff_import(
    *, lines: Iterable[str], full: bool = False, leavers_limit: int | None = None
) -> StaffImportResult:
    """Import a staff directory CSV; see ``REQUIRED_COLUMNS`` for its columns.

    ``lines`` is the CSV text: an open text file (opened with ``newline=""``),
    an ``io.StringIO`` or a list of lines.

    Good rows are kept and bad rows are reported with their line number: one
    bad row never blocks the others. Everything is checked before anything is
    written, and the writes happen in one transaction, so an import is never
    half-applied. People are matched on email without regard to case; new
    people get an unusable password (they sign in after a password reset, or
    through their organisation's single sign-on), people already in the
    directory keep theirs. The ``organisation`` column (a name, short name or
    ODS code) places a person; left out or blank, a person not yet placed is
    placed by their email's domain. Roles are only ever added:
    a role is taken away in the admin, so a nightly import can't undo it.

    ``full``: the file is the whole staff list of the organisations of its people (an ESR
    extract). Anyone of those organisations who is active and not in it has left: their
    account is switched off (their sessions stop working at their next request), and they are
    listed in ``result.left``; their reports, cases and history stay as they are. A file with
    a row whose email can't be read marks nobody as left. More leavers than
    ``LEAVERS_SHARE_LIMIT`` of those organisations' people (or than ``leavers_limit``, when
    given) raises :class:`TooManyLeavers` and changes nothing.

    Raises :class:`StaffImportFileError` if the file is empty or lacks a
    required column.
    """
    records, errors = _csv_read(lines)
    listed = {(record.get("email") or "").strip().lower() for _, record in records}
    every_email_read = not errors and "" not in listed
    organisations = _organisations_by_name()

    good: dict[str, _StaffRow] = {}
    first_line_of: dict[str, int] = {}  # each email in the file -> the line that first used it
    for line, record in records:
        row, problems = _row_parse(line, record, organisations=organisations)
        if row.email in first_line_of:
            problems.insert(
                0,
                f"{row.email!r} is already on line {first_line_of[row.email]}; "
                "list each person once",
            )
        elif row.email:
            first_line_of[row.email] = line
        if problems:
            errors.append(RowError(line, "; ".join(problems)))
        else:
            good[row.email] = row

    result = StaffImportResult()
    with transaction.atomic():
        # Reading the directory inside the transaction means the managers we
        # check for are the ones we link to.
        manager_emails = {row.manager_email for row in good.values() if row.manager_email}
        directory = _users_by_email(set(good) | manager_emails)
        errors.extend(_managers_check(good=good, first_line_of=first_line_of, directory=directory))
        result.created, result.updated = _rows_write(
            rows=list(good.values()), directory=directory, created_people=result.created_people
        )
        if full and good and every_email_read:
            result.left = _leavers_mark(
                listed=listed, organisations=_organisations_of(set(good)), limit=leavers_limit
            )
    result.errors = sorted(errors)
    return result


def _organisations_of(emails: set[str]) -> set[int | None]:
    return set(
        User.objects.alias(address=Lower("email"))
        .filter(address__in=emails)
        .values_list("organisation_id", flat=True)
    )


def _leavers_mark(
    *, listed: set[str], organisations: set[int | None], limit: int | None
) -> list[User]:
    """Switch off the active people of ``organisations`` whose email isn't ``listed``."""
    scope = Q(organisation_id__in=[pk for pk in organisations if pk is not None])
    if None in organisations:
        scope |= Q(organisation__isnull=True)
    # Administrators' own accounts are kept whatever the extract says: they may not be in it.
    people = User.objects.filter(scope, is_active=True, is_superuser=False)
    missing = people.alias(address=Lower("email")).exclude(address__in=listed)
    left = list(people.filter(pk__in=missing.values("pk")).order_by("email"))
    allowed = limit if limit is not None else max(1, int(people.count() * LEAVERS_SHARE_LIMIT))
    if len(left) > allowed:
        raise TooManyLeavers(
            f"{len(left)} of {people.count()} people would be marked as having left, more than "
            f"{allowed}: is this the whole extract? Nothing was changed. If it is, run again "
            f"with --max-leavers {len(left)}."
        )
    User.objects.filter(pk__in=[person.pk for person in left]).update(is_active=False)
    for person in left:
        person.is_active = False
    return left


def _column_name(heading: str) -> str:
    # Headings are matched loosely ("First name" is first_name) and a BOM left
    # by Excel on the first heading is ignored, in case the caller didn't open
    # the file as utf-8-sig.
    return _words(heading.lstrip("\ufeff")).replace(" ", "_")


def _csv_read(lines: Iterable[str]) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """The rows of the file with the line each starts on, and the rows that can't even be read."""
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise StaffImportFileError(
            "The file is empty. Its first line should name the columns: "
            f"{', '.join(REQUIRED_COLUMNS)}."
        ) from None
    except csv.Error as exc:
        raise StaffImportFileError(f"Line 1 can't be read as CSV: {exc}.") from None

    columns = [_column_name(heading) for heading in header]
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        found = ", ".join(heading.strip() for heading in header if heading.strip()) or "nothing"
        plural = "s" if len(missing) > 1 else ""
        raise StaffImportFileError(
            f"The file is missing the required column{plural} {', '.join(missing)}. "
            f"Its header line has: {found}."
        )
    for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
        if columns.count(column) > 1:
            raise StaffImportFileError(
                f"The column {column} appears more than once in the header line."
            )

    records: list[tuple[int, dict[str, str]]] = []
    errors: list[RowError] = []
    # A quoted value may span several lines, so a row starts on the line after
    # the one where the previous row ended.
    previous_end = reader.line_num
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise StaffImportFileError(
                f"Line {reader.line_num} can't be read as CSV: {exc}."
            ) from None
        line, previous_end = previous_end + 1, reader.line_num
        if not any(value.strip() for value in values):
            continue  # blank lines, or rows of empty cells left by a spreadsheet
        if len(values) > len(columns):
            errors.append(
                RowError(
                    line,
                    f"has {len(values)} values but the header has {len(columns)} columns; "
                    "put any value that contains a comma in double quotes",
                )
            )
            continue
        values = values + [""] * (len(columns) - len(values))
        records.append(
            (
                line,
                {
                    column: value.strip()
                    for column, value in zip(columns, values, strict=True)
                    if column
                },
            )
        )
    return records, errors


def _organisations_by_name() -> dict[str, int]:
    """Each organisation's id under its name, short name and ODS code, as typed in a file."""
    found: dict[str, int] = {}
    for organisation in Organisation.objects.all():
        for name in (organisation.name, organisation.short_name, organisation.ods_code):
            if name:
                found[_words(name)] = organisation.pk
    return found


def _row_parse(
    line: int, record: dict[str, str], *, organisations: dict[str, int]
) -> tuple[_StaffRow, list[str]]:
    """The row, normalised, and what is wrong with it (nothing, for a good row)."""
    problems: list[str] = []
    email = record["email"].lower()
    manager_email = record["line_manager_email"].lower()
    if not email:
        problems.append("email is missing")
    else:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"{record['email']!r} is not a valid email address")
        if len(email) > _max_length(User, "email"):
            problems.append(f"email is longer than {_max_length(User, 'email')} characters")
    if email and manager_email == email:
        problems.append("a person can't be their own line manager")

    for column, label in (("first_name", "first name"), ("last_name", "last name")):
        if not record[column]:
            problems.append(f"{label} is missing")
    # Checked here because a database error inside the import's transaction
    # would throw away the good rows too.
    for column, label, limit in (
        ("first_name", "first name", _max_length(User, "first_name")),
        ("last_name", "last name", _max_length(User, "last_name")),
        ("job_title", "job title", _max_length(User, "job_title")),
        ("directorate", "directorate", _max_length(Directorate, "name")),
        ("service", "service", _max_length(Service, "name")),
    ):
        if len(record[column]) > limit:
            problems.append(f"{label} is longer than {limit} characters")

    if record["service"] and not record["directorate"]:
        problems.append(
            f"service {record['service']!r} has no directorate; give the directorate it belongs to"
        )

    # A blank employment type is the model's default (permanent), as in the admin.
    employment_type = EmploymentType.PERMANENT.value
    if record["employment_type"]:
        found = _EMPLOYMENT_TYPES.get(_words(record["employment_type"]))
        if found is None:
            known = ", ".join(str(choice.label) for choice in EmploymentType)
            problems.append(
                f"unknown employment type {record['employment_type']!r}; use one of: {known}"
            )
        else:
            employment_type = found

    roles: list[Role] = []
    for name in record.get("roles", "").split(";"):
        if not name.strip():
            continue
        role = _ROLES.get(_words(name))
        if role is None:
            known = ", ".join(str(role.label) for role in Role)
            problems.append(f"unknown role {name.strip()!r}; use one of: {known}")
        elif role not in roles:
            roles.append(role)

    organisation_id = None
    if record.get("organisation"):
        organisation_id = organisations.get(_words(record["organisation"]))
        if organisation_id is None:
            problems.append(
                f"unknown organisation {record['organisation']!r}; use the name, short name or "
                "ODS code of an organisation in the admin"
            )

    row = _StaffRow(
        line=line,
        email=email,
        first_name=record["first_name"],
        last_name=record["last_name"],
        job_title=record["job_title"],
        employment_type=employment_type,
        directorate=record["directorate"],
        service=record["service"],
        manager_email=manager_email,
        roles=tuple(roles),
        organisation_id=organisation_id,
    )
    return row, problems


def _users_by_email(emails: set[str]) -> dict[str, User]:
    """Users whose email (in any case) is one of ``emails``, by lower-case email."""
    found: dict[str, User] = {}
    wanted = sorted(emails)
    # In batches, so that a big trust's directory stays under SQLite's limit on query parameters.
    for start in range(0, len(wanted), 500):
        batch = wanted[start : start + 500]
        for user in User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=batch):
            found[user.email.lower()] = user
    return found


def _managers_check(
    *, good: dict[str, _StaffRow], first_line_of: dict[str, int], directory: dict[str, User]
) -> list[RowError]:
    """Reject the good rows whose line manager can't be found or would close a loop.

    Rejected rows are removed from ``good``. A manager is found if their row
    in the file is good, or, when the file doesn't list them, if they are
    already in the directory. A rejected row can't be anyone's manager, and
    that rejects their reports in turn, so the rejections are followed down
    the line of management.
    """
    errors: list[RowError] = []
    reports_of: dict[str, list[_StaffRow]] = defaultdict(list)
    for row in good.values():
        if row.manager_email:
            reports_of[row.manager_email].append(row)

    fallen: deque[str] = deque(email for email in first_line_of if email not in good)
    for row in list(good.values()):
        manager = row.manager_email
        if manager and manager not in first_line_of and manager not in directory:
            errors.append(
                RowError(
                    row.line,
                    f"unknown manager {manager!r}: not in this file nor in the staff directory",
                )
            )
            del good[row.email]
            fallen.append(row.email)
    errors.extend(
        _rejections_follow(fallen, good=good, reports_of=reports_of, first_line_of=first_line_of)
    )

    # Loops are looked for among the rows still good, so that a loop is
    # reported on the rows that make it, not on rows already refused.
    loops = _loops_find(good=good, directory=directory)
    errors.extend(loops)
    refused = {error.line for error in loops}
    fallen = deque(email for email, row in good.items() if row.line in refused)
    for email in fallen:
        del good[email]
    errors.extend(
        _rejections_follow(fallen, good=good, reports_of=reports_of, first_line_of=first_line_of)
    )
    return errors


def _rejections_follow(
    fallen: deque[str],
    *,
    good: dict[str, _StaffRow],
    reports_of: dict[str, list[_StaffRow]],
    first_line_of: dict[str, int],
) -> list[RowError]:
    """Reject, down the line of management, the reports of the people in ``fallen``."""
    errors: list[RowError] = []
    while fallen:
        manager = fallen.popleft()
        for row in reports_of.get(manager, []):
            if row.email in good:
                errors.append(
                    RowError(
                        row.line,
                        f"unknown manager {manager!r}: their own row "
                        f"(line {first_line_of[manager]}) was rejected",
                    )
                )
                del good[row.email]
                fallen.append(row.email)
    return errors


class _LineOfManagement:
    """Who would manage whom once the good rows are written: the file's word, else the directory's.

    People the file doesn't list are read from the directory one at a time
    as the walk reaches them; each is read at most once.
    """

    def __init__(self, *, good: dict[str, _StaffRow], directory: dict[str, User]) -> None:
        self._good = good
        self._stored: dict[str, User] = dict(directory)
        self._email_of: dict[int, str] = {user.pk: email for email, user in directory.items()}

    def manager_of(self, email: str) -> tuple[str | None, bool]:
        """The email of ``email``'s line manager, and whether that link is the directory's."""
        row = self._good.get(email)
        if row is not None:
            return row.manager_email or None, False
        user = self._stored.get(email)
        if user is None or user.line_manager_id is None:
            return None, True
        manager_email = self._email_of.get(user.line_manager_id)
        if manager_email is None:
            manager = (
                User.objects.only("email", "first_name", "last_name", "line_manager_id")
                .filter(pk=user.line_manager_id)
                .first()
            )
            if manager is None:
                return None, True
            manager_email = manager.email.lower()
            self._email_of[manager.pk] = manager_email
            self._stored.setdefault(manager_email, manager)
        return manager_email, True

    def name_of(self, email: str) -> str:
        row = self._good.get(email)
        if row is not None:
            return f"{row.first_name} {row.last_name}"
        user = self._stored.get(email)
        return (user.get_full_name() if user is not None else "") or email


def _loops_find(*, good: dict[str, _StaffRow], directory: dict[str, User]) -> list[RowError]:
    """One error for each good row whose person would sit on a loop in the line of management.

    Each walk goes up from a row until it reaches the top, someone already
    known not to loop, or someone already on this walk (a loop). Everyone is
    passed at most once over all the walks, so this ends however the file and
    the directory are tangled, including a loop already stored, which is left
    to the administrator unless the file's rows close it.
    """
    line = _LineOfManagement(good=good, directory=directory)
    settled: set[str] = set()
    errors: list[RowError] = []
    for start in sorted(good, key=lambda email: good[email].line):
        path: list[str] = []
        stored_link: list[bool] = []  # stored_link[i]: path[i]'s manager comes from the directory
        on_path: dict[str, int] = {}
        email: str | None = start
        while email is not None and email not in settled:
            if email in on_path:
                loop = path[on_path[email] :]
                from_directory = stored_link[on_path[email] :]
                errors.extend(_loop_errors(loop, from_directory, good=good, line=line))
                break
            on_path[email] = len(path)
            path.append(email)
            email, from_stored = line.manager_of(email)
            stored_link.append(from_stored)
        settled.update(path)
    return errors


def _loop_errors(
    loop: list[str],
    from_directory: list[bool],
    *,
    good: dict[str, _StaffRow],
    line: _LineOfManagement,
) -> list[RowError]:
    """The error of each row in the file on this loop, each told from that row's person."""
    errors: list[RowError] = []
    size = len(loop)
    for at, email in enumerate(loop):
        row = good.get(email)
        if row is None:
            continue  # someone the file doesn't list: there is no row of theirs to refuse
        managers: list[str] = []
        for step in range(1, size + 1):
            name = line.name_of(loop[(at + step) % size])
            # The link into this person: from the one before them on the loop.
            if step > 1 and from_directory[(at + step - 1) % size]:
                name += " (as the staff directory has it)"
            managers.append(name)
        errors.append(RowError(row.line, management_loop_reason(line.name_of(email), managers)))
    return errors


class _Services:
    """Directorates and services by name, found without regard to case or made on first use."""

    def __init__(self) -> None:
        self._directorates: dict[str, Directorate] = {}
        self._services: dict[tuple[str, str], Service] = {}

    def get(self, *, directorate_name: str, service_name: str) -> Service | None:
        if not directorate_name:
            return None
        directorate = self._directorates.get(directorate_name.lower())
        if directorate is None:
            directorate = Directorate.objects.filter(name__iexact=directorate_name).first()
            if directorate is None:
                directorate = Directorate.objects.create(name=directorate_name)
            self._directorates[directorate_name.lower()] = directorate
        if not service_name:
            return None
        key = (directorate_name.lower(), service_name.lower())
        service = self._services.get(key)
        if service is None:
            service = Service.objects.filter(
                directorate=directorate, name__iexact=service_name
            ).first()
            if service is None:
                service = Service.objects.create(directorate=directorate, name=service_name)
            self._services[key] = service
        return service


def _pk(instance: User | Service | None) -> int | None:
    return instance.pk if instance is not None else None


def _rows_write(
    *, rows: list[_StaffRow], directory: dict[str, User], created_people: list[User]
) -> tuple[int, int]:
    """Create or update the people of the good rows, then link their managers.

    Returns how many people were created and how many updated; those created are added to
    ``created_people``.
    """
    created = updated = 0
    services = _Services()
    groups: dict[Role, Group] = {}
    people: dict[str, User] = {}
    domains = dict(EmailDomain.objects.values_list("domain", "organisation_id"))

    # First everyone exists, then managers are linked: a manager may be listed after their reports.
    for row in rows:
        values: dict[str, object] = {
            "email": row.email,
            "first_name": row.first_name,
            "last_name": row.last_name,
            "job_title": row.job_title,
            "employment_type": row.employment_type,
            "service_id": _pk(
                services.get(directorate_name=row.directorate, service_name=row.service)
            ),
        }
        user = directory.get(row.email)
        organisation_id = row.organisation_id
        if organisation_id is None and (user is None or user.organisation_id is None):
            organisation_id = domains.get(row.email.rpartition("@")[2])
        if organisation_id is not None:
            values["organisation_id"] = organisation_id
        if user is None:
            user = User(**values)
            user.set_unusable_password()
            user.save()
            created += 1
            created_people.append(user)
        else:
            changed = [name for name, value in values.items() if getattr(user, name) != value]
            for name in changed:
                setattr(user, name, values[name])
            if changed:
                user.save(update_fields=changed)
            updated += 1
        people[row.email] = user

        for role in row.roles:
            if role not in groups:
                groups[role] = role_group(role)
        if row.roles:
            user.groups.add(*(groups[role] for role in row.roles))

    for row in rows:
        user = people[row.email]
        manager = None
        if row.manager_email:
            manager = people.get(row.manager_email) or directory[row.manager_email]
        if user.line_manager_id != _pk(manager):
            user.line_manager = manager
            user.save(update_fields=["line_manager"])
    return created, updated
