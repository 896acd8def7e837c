"""Admin pieces with no app's rules in them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils.functional import cached_property

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = object


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class CappedPaginator(Paginator):
    """A paginator that counts no further than ``cap`` rows.

    The admin counts the whole filtered list to number its pages; on a table of millions that
    count alone takes seconds. Past the cap the list says "more than 10,000" and offers the
    pages up to it: nobody pages through ten thousand rows, they filter or search.
    """

    cap = 10_000

    @cached_property
    def _counted(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):
            return int(rows.order_by().values("pk")[: self.cap + 1].count())
        return len(rows)

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        return self._counted > self.cap


class LargeTableAdminMixin(_ModelAdmin):
    """For tables that grow to millions of rows: nothing on the list page reads the whole table.

    - the count stops at a cap (``CappedPaginator``) and the unfiltered total isn't counted;
    - no filter shows counts (facets count every row once per choice);
    - no date drill-down (listing its years and months reads every row's date): filter by
      date with a ``list_filter`` instead;
    - columns sort only where an index serves the order (``sortable_by``, set per admin).
    """

    paginator = CappedPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    date_hierarchy = None
