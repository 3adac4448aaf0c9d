"""Pagination whose cost does not grow with the data.

The admin's changelists count at most ``COUNT_CAP`` rows (``SELECT COUNT(*) FROM (... LIMIT cap +
1)``) instead of the whole table, and the pages beyond the cap are not offered; a search or a
filter narrows a longer list. The pagination template says "more than N" when the cap was reached.

The buyers' and sellers' lists page by keyset (``KeysetPaginator``): "Newer / Older" links carry
the edge row's ordering key, so the oldest page costs what the newest does, and nothing counts a
person's whole history (``capped_count`` where a page shows a number)."""

import base64
import json
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import F, OrderBy, Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

#: The most rows an admin changelist counts (and pages through) before it says "more than": 20
#: pages of 50, more than a mediator reads down a list before searching or filtering it. A count
#: visits every row it counts, and at 1M orders the capped lists (the queue in mediation, its
#: filters, the conversations of disputed orders) hold thousands: at 10,000 the conversations'
#: count alone walked 10,001 of them, checking each for a dispute (issue 17).
COUNT_CAP: int = getattr(settings, "PORTAL_ADMIN_COUNT_CAP", 1_000)
#: Rows a page of the console's long lists shows (their ``list_per_page``): rendering the rows is
#: most of such a page's time (issue 17), and 50 is a screenful or two to work through.
CONSOLE_PAGE_SIZE = 50


class CappedPaginator(Paginator):
    """A paginator that counts at most ``cap`` rows; ``capped`` tells whether there were more."""

    cap = COUNT_CAP
    #: Where a page's rows are read from by id (``ListColumnsMixin`` sets it): the list's rows,
    #: joins and ordering without its filters, which the ids have passed already. ``None``: the
    #: listed queryset itself.
    rows: QuerySet | None = None

    @cached_property
    def _capped_count(self) -> int:
        # ``order_by()``: the count needs no sort, so an index on the filter alone serves it.
        return self.object_list.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._capped_count, self.cap)

    @property
    def capped(self) -> bool:
        return self._capped_count > self.cap

    def page(self, number) -> Page:
        """The page's rows in one query of two steps: its ids from the ordering's index alone (the
        ``OFFSET`` skips index entries, not joined rows with their per-row subqueries), then those
        rows with their joins and annotations, from ``rows`` when set: repeating a filter's
        conditions around the ids doubled the work of planning the query (at 1M orders, 10 ms
        against 3 for a page of the queue's flagged buyers, issue 17)."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = self.object_list.values_list("pk", flat=True)[bottom:top]
        rows = self.object_list if self.rows is None else self.rows
        return self._get_page(list(rows.filter(pk__in=ids)), number, self)


#: Rows a site list counts before it says "more than": enough for any honest reading of a tab.
SITE_COUNT_CAP: int = getattr(settings, "PORTAL_SITE_COUNT_CAP", 999)


def capped_count(queryset, cap: int | None = None) -> tuple[int, bool]:
    """How many rows ``queryset`` has, reading at most ``cap + 1`` of them (``SITE_COUNT_CAP`` by
    default): ``(count, more)``, where ``more`` says the list goes on past ``cap``."""
    cap = SITE_COUNT_CAP if cap is None else cap
    counted = queryset.order_by()[: cap + 1].count()
    return min(counted, cap), counted > cap


class KeysetPage:
    """One page of a keyset-paginated list: its rows, and the cursors of the pages either side.

    ``has_next`` leads to older rows (further down the ordering), ``has_previous`` to newer ones;
    ``next_cursor`` / ``previous_cursor`` go into the ``after`` / ``before`` parameters.
    """

    def __init__(self, rows: list, *, paginator: "KeysetPaginator", has_next: bool, has_previous: bool):
        self.object_list = rows
        self.paginator = paginator
        self.has_next = has_next
        self.has_previous = has_previous

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_cursor(self) -> str:
        return self.paginator.cursor_of(self.object_list[-1]) if self.has_next else ""

    @property
    def previous_cursor(self) -> str:
        return self.paginator.cursor_of(self.object_list[0]) if self.has_previous else ""


class KeysetPaginator:
    """Pages through ``queryset`` by the last row's ordering key, never by ``OFFSET``: every page,
    the oldest as much as the newest, reads ``per_page + 1`` rows from the index that serves the
    ordering, and nothing counts the whole list.

    ``keys`` is the ordering, unique as a whole (end it with ``"id"`` or ``"-id"``). A nullable
    key sorts its nulls as the largest values (after the rest ascending, before them descending:
    PostgreSQL's default, so a plain index serves both directions); the paginator applies the
    ordering itself. A page is chosen by ``after`` (the rows that follow a cursor), ``before``
    (the rows that precede it) or ``last`` (the end of the list); a cursor that does not parse
    is ignored, so a stale or edited link shows the first page.
    """

    def __init__(self, queryset, per_page: int, *, keys: tuple[str, ...] | None = None):
        self.queryset = queryset
        keys = keys or tuple(queryset.query.order_by)
        self.per_page = per_page
        self.keys = [(key.lstrip("-"), key.startswith("-")) for key in keys]
        model_fields = queryset.model._meta
        self.fields = [model_fields.get_field(name) for name, _descending in self.keys]

    # --- cursors ---
    def cursor_of(self, row) -> str:
        values = [
            field.value_to_string(row) if getattr(row, field.attname) is not None else None
            for field in self.fields
        ]
        return (
            base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")
        )

    def parse(self, cursor: str | None) -> list | None:
        """The key values a cursor carries, or ``None`` when it does not parse (a cursor only
        positions the page: the queryset's own filters still decide what is listed)."""
        if not cursor:
            return None
        try:
            raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            if not isinstance(raw, list) or len(raw) != len(self.fields):
                return None
            values = [
                None if value is None else field.to_python(value)
                for field, value in zip(self.fields, raw, strict=True)
            ]
        except (ValueError, TypeError, ValidationError):
            return None
        # Cursors are written with their offset; a time without one was not written here.
        if any(isinstance(value, datetime) and timezone.is_naive(value) for value in values):
            return None
        return values

    # --- ordering and conditions ---
    def _ordering(self, *, reverse: bool) -> list[OrderBy]:
        ordering = []
        for (name, descending), field in zip(self.keys, self.fields, strict=True):
            descending = descending != reverse
            nulls = ({"nulls_first": True} if descending else {"nulls_last": True}) if field.null else {}
            ordering.append(OrderBy(F(name), descending=descending, **nulls))
        return ordering

    def _beyond(self, name: str, descending: bool, nullable: bool, value) -> Q | None:
        """Rows whose ``name`` comes strictly after ``value`` in this direction (nulls largest)."""
        if value is None:
            return None if not descending else Q(**{f"{name}__isnull": False})
        if descending:
            return Q(**{f"{name}__lt": value})
        after = Q(**{f"{name}__gt": value})
        return after | Q(**{f"{name}__isnull": True}) if nullable else after

    def _after(self, values: list, *, reverse: bool) -> Q:
        """Rows that come after ``values`` in the (possibly reversed) ordering, as
        ``k1 beyond v1 OR (k1 = v1 AND k2 beyond v2) OR ...``, plus a range on the first key that
        the index can seek to."""
        condition = Q(pk__in=[])
        equal = Q()
        for (name, descending), field, value in zip(self.keys, self.fields, values, strict=True):
            descending = descending != reverse
            beyond = self._beyond(name, descending, field.null, value)
            if beyond is not None:
                condition |= equal & beyond
            equal &= Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
        name, descending = self.keys[0]
        descending = descending != reverse
        first = values[0]
        if first is not None and (descending or not self.fields[0].null):
            condition &= Q(**{f"{name}__{'lte' if descending else 'gte'}": first})
        elif first is None and not descending:
            condition &= Q(**{f"{name}__isnull": True})
        return condition

    # --- pages ---
    def page(self, *, after: str | None = None, before: str | None = None, last: bool = False) -> KeysetPage:
        """The page after the cursor ``after``, before the cursor ``before``, the last page, or
        (by default, and for a cursor that does not parse) the first."""
        forward = self.parse(after)
        backward = None if forward is not None else self.parse(before)
        reverse = backward is not None or (forward is None and last)
        rows = self.queryset.order_by(*self._ordering(reverse=reverse))
        cursor = forward if forward is not None else backward
        if cursor is not None:
            rows = rows.filter(self._after(cursor, reverse=reverse))
        rows = list(rows[: self.per_page + 1])
        more = len(rows) > self.per_page
        rows = rows[: self.per_page]
        if not reverse:
            return KeysetPage(rows, paginator=self, has_next=more, has_previous=forward is not None)
        rows.reverse()
        return KeysetPage(rows, paginator=self, has_next=backward is not None, has_previous=more)

    def get_page(self, params) -> KeysetPage:
        """The page a request's ``GET`` asks for: ``after``, ``before`` or ``page=last``."""
        return self.page(
            after=params.get("after"), before=params.get("before"), last=params.get("page") == "last"
        )
