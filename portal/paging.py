"""Pagination whose cost does not grow with the table: the admin's changelists count at most
``COUNT_CAP`` rows (``SELECT COUNT(*) FROM (... LIMIT cap + 1)``) instead of the whole table, and
the pages beyond the cap are not offered; a search or a filter narrows a longer list. The
pagination template says "more than N" when the cap was reached."""

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property

#: The most rows an admin changelist counts (and pages through) before it says "more than".
COUNT_CAP: int = getattr(settings, "PORTAL_ADMIN_COUNT_CAP", 10_000)


class CappedPaginator(Paginator):
    """A paginator that counts at most ``cap`` rows; ``capped`` tells whether there were more."""

    cap = COUNT_CAP

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
