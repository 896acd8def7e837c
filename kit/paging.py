"""Keyset ("newer / older") paging and capped counts, shared by every list.

A page is found by where the last one ended, not by how many rows came before it: the next
page asks for rows *after* the last row's sort key, so the database starts reading the
index there. OFFSET would read and throw away every earlier row, which on the hundred-
thousandth page of a million-row table is most of the table.

The sort keys must identify a row (end them with the primary key) and must never be NULL:
sort a nullable column through a non-null expression (``Coalesce``) and index that
expression. Each key is a field or an annotation of the queryset.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
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
    values = [_encode(_value(row, key)) for key in sort]
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


def _query(params: Mapping[str, str], **cursor: str) -> str:
    kept = {name: value for name, value in params.items() if name not in CURSOR_PARAMS and value}
    return "?" + urlencode({**kept, **cursor})


def _value(row: Any, key: Key) -> Any:
    return getattr(row, "pk" if key.name == "pk" else key.name)


def _read(
    parts: Sequence[QuerySet[Any]], order: Sequence[Key], where: Q | None, limit: int
) -> list[Any]:
    """The first ``limit`` rows, in ``order``, of the parts put together.

    Each part is read with its own ORDER BY … LIMIT, so each is served by its own index; the
    parts never share a row, so merging their heads gives the head of the whole.
    """
    heads: list[Any] = []
    for part in parts:
        ordered = part.order_by(*[key.order() for key in order])
        if where is not None:
            ordered = ordered.filter(where)
        heads += list(ordered[:limit])
    if len(parts) > 1:
        for key in reversed(order):  # a stable sort per key, the least significant first
            heads.sort(
                key=attrgetter("pk" if key.name == "pk" else key.name), reverse=key.descending
            )
    return heads[:limit]


def keyset_page(
    queryset: QuerySet[Any] | Sequence[QuerySet[Any]],
    *,
    sort: Sequence[Key],
    params: Mapping[str, str],
    size: int,
) -> KeysetPage:
    """The page of ``queryset`` (sorted by ``sort``) that ``params`` (the request's GET) asks for.

    Reads ``size + 1`` rows, never more: the extra row only says whether another page follows.
    ``queryset`` may also be a list of querysets that never share a row (the arms of what
    would otherwise be an OR no single index serves): each is read through its own index and
    their rows are merged.
    """
    parts = [queryset] if isinstance(queryset, QuerySet) else list(queryset)
    after = cursor_read(params.get(AFTER, ""), sort) if params.get(AFTER) else None
    before = cursor_read(params.get(BEFORE, ""), sort) if params.get(BEFORE) else None
    last = params.get(LAST) == "1"
    newest = _query(params)
    oldest = _query(params, **{LAST: "1"})

    if before is not None or last:
        backwards = [Key(key.name, descending=not key.descending) for key in sort]
        where = _beyond(sort, before, forward=False) if before is not None else None
        rows = _read(parts, backwards, where, size + 1)
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        if before is not None and len(rows) < size:
            # Stepped back past the top (rows were added or removed since): show the top.
            return keyset_page(queryset, sort=sort, params=_plain(params), size=size)
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

    where = _beyond(sort, after, forward=True) if after is not None else None
    rows = _read(parts, sort, where, size + 1)
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
    queryset: QuerySet[Any] | Sequence[QuerySet[Any]],
    *,
    cap: int = 1000,
    sort: Sequence[Key] = (),
) -> Tally:
    """Count at most ``cap`` rows: an exact count of a big list would read every one of them.

    Like ``keyset_page``, takes a list of querysets that never share a row as their whole.
    Give the list's ``sort`` to count along the index its pages are read by: unordered, the
    database may choose to scan the table until it has found ``cap`` matching rows.
    """
    parts = [queryset] if isinstance(queryset, QuerySet) else list(queryset)
    order = [key.order() for key in sort]
    number = sum(part.order_by(*order).values("pk")[: cap + 1].count() for part in parts)
    return Tally(number=min(number, cap), capped=number > cap)
