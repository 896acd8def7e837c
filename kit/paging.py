"""Keyset ("newer / older") paging and capped counts, shared by every list.

A page is found by where the last one ended, not by how many rows came before it: the next
page asks for rows *after* the last row's sort key, so the database starts reading the
index there. OFFSET would read and throw away every earlier row, which on the hundred-
thousandth page of a million-row table is most of the table.

The sort keys must identify a row (end them with the primary key) and must never be NULL:
sort a nullable column through a non-null expression (``Coalesce``) and index that
expression. Each key is a field or an annotation of the queryset.

A list whose rows come from several places (a user may see a case as its investigator, as its
line manager, or because of its state; a search matches a reference, a handle or a name) names
them as ``arms``: conditions each served by an index in the list's order, of which every listed
row meets at least one. One ordered index scan can't
serve an OR across columns, so the database would read and sort every matching row; with arms,
each arm gives its own first ``size + 1`` rows past the cursor and the page is the first
``size + 1`` of those few.

A cursor travels in the query string as ``after=…`` (the older page) or ``before=…`` (the
newer page); ``last=1`` asks for the final page. A cursor that can't be read (edited,
truncated, from an old link) gives the first page rather than an error: the list is still
there, it just starts at the top.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any
from urllib.parse import urlencode

from django.db import connections
from django.db.models import BooleanField, F, Func, Model, Q, QuerySet, Subquery, Value
from django.utils.dateparse import parse_datetime

AFTER = "after"
BEFORE = "before"
LAST = "last"
CURSOR_PARAMS = (AFTER, BEFORE, LAST, "page")


@dataclass(frozen=True)
class Key:
    """One sort key: a field or annotation name, and its direction."""

    name: str
    descending: bool = False

    def order(self) -> str:
        return f"-{self.name}" if self.descending else self.name


def keys(*names: str) -> tuple[Key, ...]:
    """``keys("-updated_at", "-pk")``: the same spelling as ``order_by``."""
    return tuple(Key(name.lstrip("-"), descending=name.startswith("-")) for name in names)


@dataclass
class KeysetPage:
    """One page of a list, with the query strings of its neighbours (``""`` when there is none)."""

    object_list: list[Any]
    newer_query: str
    older_query: str
    newest_query: str
    oldest_query: str

    @property
    def has_other_pages(self) -> bool:
        return bool(self.newer_query or self.older_query)

    @property
    def is_first(self) -> bool:
        return not self.newer_query

    def __iter__(self) -> Any:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "t" in value:
            parsed = parse_datetime(str(value["t"]))
            if parsed is None:
                raise ValueError("not a time")
            return parsed
        if "d" in value:
            return dt.date.fromisoformat(str(value["d"]))
        raise ValueError("not a value")
    if value is None or isinstance(value, list):
        raise ValueError("keys are never empty")
    return value


def cursor_make(row: Any, sort: Sequence[Key]) -> str:
    values = [_encode(getattr(row, "pk" if key.name == "pk" else key.name)) for key in sort]
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_read(text: str, sort: Sequence[Key]) -> list[Any] | None:
    """The key values a cursor holds, or None when it isn't one of ours."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(sort):
            return None
        return [_decode(value) for value in values]
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        return None


def _beyond(sort: Sequence[Key], values: Sequence[Any], *, forward: bool) -> Q:
    """Rows strictly past ``values`` in the sort order (or before them, when not ``forward``).

    Written as ``k1 >= v1 AND (k1 > v1 OR (k1 = v1 AND k2 > v2) OR …)``: the leading bound
    on its own is what lets the database start its index scan at the cursor; the OR only
    settles ties.
    """

    def past(key: Key, *, inclusive: bool) -> str:
        smaller = key.descending == forward  # going forward down a descending key: smaller values
        op = "lt" if smaller else "gt"
        return f"{key.name}__{op}{'e' if inclusive else ''}"

    ties = Q()
    for index, key in enumerate(sort):
        equal = {sort[i].name: values[i] for i in range(index)}
        ties |= Q(**equal, **{past(key, inclusive=False): values[index]})
    return Q(**{past(sort[0], inclusive=True): values[0]}) & ties


def _reversed(sort: Sequence[Key]) -> list[str]:
    return [Key(key.name, descending=not key.descending).order() for key in sort]


def _query(params: Mapping[str, str], **cursor: str) -> str:
    kept = {name: value for name, value in params.items() if name not in CURSOR_PARAMS and value}
    return "?" + urlencode({**kept, **cursor})


def _rows(
    queryset: QuerySet[Any], *, order: Sequence[str], limit: int, arms: Sequence[Q]
) -> list[Any]:
    """The first ``limit`` rows of ``queryset`` in ``order``, gathered arm by arm when there are arms.

    Each arm's first ``limit`` rows together hold the first ``limit`` rows of the whole (a row
    belongs to at least one arm, and within its arm it is among the first ``limit`` if it is
    among the first ``limit`` overall). The arms are read with one UNION ALL of limited,
    ordered subqueries, which the database answers with one short index scan each.
    """
    ordered = queryset.order_by(*order)
    if len(arms) > 1 and _reads_arms(queryset):
        parts = [ordered.filter(arm).values("pk")[:limit] for arm in arms]
        ordered = ordered.filter(among("pk", parts[0].union(*parts[1:], all=True)))
    else:
        ordered = ordered.filter(any_of(arms))
    return list(ordered[:limit])


def any_of(arms: Sequence[Q]) -> Q:
    """The OR of the arms (an arm without conditions, ``Q()``, holds for every row)."""
    if not arms or any(not arm for arm in arms):
        return Q()
    return reduce(or_, arms)


def _reads_arms(queryset: QuerySet[Any]) -> bool:
    # Each arm is a limited, ordered subquery of a UNION ALL: PostgreSQL's syntax.
    return connections[queryset.db].vendor == "postgresql"


def among(name: str, values: QuerySet[Any]) -> Q:
    """A condition for ``filter``: the field ``name`` is one of ``values`` (a one-column queryset).

    On PostgreSQL, ``name = ANY(ARRAY(…))`` rather than ``name IN (…)``: the values are worked
    out first, once, and the rows are then read by the field's index. Planned as a semi-join,
    ``IN`` may instead have the database read every row the rest of the query matches (a whole
    table, for someone who sees every case) and look each one up among the few values.
    """
    if connections[values.db].vendor != "postgresql":
        return Q(**{f"{name}__in": values})
    return Q(_Among(F(name), Subquery(values)))


def none_of(name: str, values: Sequence[int]) -> Q:
    """A condition for ``filter``: the (non-null) field ``name`` is none of the ids ``values``.

    On PostgreSQL the ids go as one array parameter, ``NOT (name = ANY(%s))``, so a query that
    repeats the condition in each of its arms carries one value however many ids there are.
    """
    if not values:
        return Q()
    return Q(_NoneOf(F(name), Value(list(values))))


class _NoneOf(Func):
    """``NOT (key = ANY(array))`` on PostgreSQL, ``key NOT IN (…)`` elsewhere."""

    output_field = BooleanField()

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        key_expression, values_expression = self.get_source_expressions()
        key, key_params = compiler.compile(key_expression)
        values = list(values_expression.value)
        if connection.vendor == "postgresql":
            return f"NOT ({key} = ANY(%s::bigint[]))", (*key_params, values)
        marks = ", ".join(["%s"] * len(values))
        return f"{key} NOT IN ({marks})", (*key_params, *values)


class _Among(Func):
    """``key = ANY(ARRAY(subquery))``: true where the key is one of the subquery's values."""

    output_field = BooleanField()

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        (key, key_params), (values, values_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return f"{key} = ANY(ARRAY{values})", (*key_params, *values_params)


def keyset_page(
    queryset: QuerySet[Any],
    *,
    sort: Sequence[Key],
    params: Mapping[str, str],
    size: int,
    arms: Sequence[Q] = (),
) -> KeysetPage:
    """The page of ``queryset`` (sorted by ``sort``) that ``params`` (the request's GET) asks for.

    Reads ``size + 1`` rows, never more: the extra row only says whether another page follows.
    ``arms``, when given, are conditions of which a listed row meets at least one: the list is
    the rows of ``queryset`` that meet any arm (see the module's docstring). Without them the
    queryset is read in one ordered scan.
    """
    order = [key.order() for key in sort]
    ordered = queryset.order_by(*order)
    after = cursor_read(params.get(AFTER, ""), sort) if params.get(AFTER) else None
    before = cursor_read(params.get(BEFORE, ""), sort) if params.get(BEFORE) else None
    last = params.get(LAST) == "1"
    newest = _query(params)
    oldest = _query(params, **{LAST: "1"})

    if before is not None or last:
        backwards = ordered
        if before is not None:
            backwards = backwards.filter(_beyond(sort, before, forward=False))
        rows = _rows(backwards, order=_reversed(sort), limit=size + 1, arms=arms)
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        if before is not None and len(rows) < size:
            # Stepped back past the top (rows were added or removed since): show the top.
            return keyset_page(queryset, sort=sort, params=_plain(params), size=size, arms=arms)
        return KeysetPage(
            object_list=rows,
            newer_query=_query(params, **{BEFORE: cursor_make(rows[0], sort)})
            if more_newer
            else "",
            older_query=(
                _query(params, **{AFTER: cursor_make(rows[-1], sort)}) if rows and not last else ""
            ),
            newest_query=newest if more_newer else "",
            oldest_query="" if last else oldest,
        )

    if after is not None:
        ordered = ordered.filter(_beyond(sort, after, forward=True))
    rows = _rows(ordered, order=order, limit=size + 1, arms=arms)
    more_older = len(rows) > size
    rows = rows[:size]
    came_from_newer = after is not None
    return KeysetPage(
        object_list=rows,
        newer_query=(
            _query(params, **{BEFORE: cursor_make(rows[0], sort)})
            if came_from_newer and rows
            else (newest if came_from_newer else "")
        ),
        older_query=_query(params, **{AFTER: cursor_make(rows[-1], sort)}) if more_older else "",
        newest_query=newest if came_from_newer else "",
        oldest_query=oldest if more_older else "",
    )


def _plain(params: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in params.items() if name not in CURSOR_PARAMS}


@dataclass(frozen=True)
class Tally:
    """How many rows a list has, counted no further than ``cap``."""

    number: int
    capped: bool

    def __str__(self) -> str:
        return f"more than {self.number:,}" if self.capped else f"{self.number:,}"


def tally(
    queryset: QuerySet[Model],
    *,
    cap: int = 1000,
    arms: Sequence[Q] = (),
    sort: Sequence[Key] = (),
) -> Tally:
    """Count at most ``cap`` rows: an exact count of a big list would read every one of them.

    With ``arms`` (see ``keyset_page``), each arm gives at most ``cap + 1`` rows and their
    distinct union is counted: when no arm reaches the cap that union is the whole list, and
    when one does the list is past the cap anyway. Give the list's ``sort`` to count along the
    index its pages are read by: unordered, the database may choose to scan the table until it
    has found ``cap`` matching rows, which for a rare filter is all of it.
    """
    rows = queryset.order_by(*[key.order() for key in sort]).values("pk")
    if len(arms) > 1 and _reads_arms(queryset):
        parts = [rows.filter(arm)[: cap + 1] for arm in arms]
        number = parts[0].union(*parts[1:]).count()
    else:
        number = rows.filter(any_of(arms))[: cap + 1].count()
    return Tally(number=min(number, cap), capped=number > cap)


def page_tally(page: KeysetPage, count: Callable[[], Tally]) -> Tally:
    """How many rows the list of ``page`` has: the page's own when it is the whole list (no page
    before or after it), else ``count()``. A search that finds a handful costs no count."""
    if not page.has_other_pages:
        return Tally(number=len(page.object_list), capped=False)
    return count()
