"""A seller's record as the public sees it (issue 16, item 5): orders, dispute rate, the share of
disputes resolved without mediation, the share of mediated ones decided for the buyer, and the
median time to the seller's first response (SPEC "Outcomes and money", seller metrics).

Two queries whatever the store's size: the orders are counted per window by the database, and the
disputes are read as one narrow list of timestamps and states.
"""

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import formats
from django.utils.translation import gettext as _

from disputes import policy
from disputes.models import Dispute
from orders.models import Order, Store


@dataclass(frozen=True)
class _DisputeRow:
    opened_at: datetime
    first_response_at: datetime | None
    escalated_at: datetime | None
    state: str
    decided_by_id: int | None

    @property
    def closed(self) -> bool:
        return self.state in Dispute.CLOSED_STATES

    @property
    def decided_in_mediation(self) -> bool:
        return self.decided_by_id is not None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def shown(value: float | None, *, share: bool) -> str:
    """A share as "12.5 %", hours as "30.0", in the active language; a dash when unknown."""
    if value is None:
        return "—"
    if share:
        return f"{formats.number_format(value * 100, decimal_pos=1, use_l10n=True)} %"
    return formats.number_format(value, decimal_pos=1, use_l10n=True)


@dataclass(frozen=True)
class Metrics:
    """The seller metrics over one window of time; a share is ``None`` when there is nothing to
    divide by (no orders, no closed dispute, no mediated decision)."""

    orders: int
    disputes: int
    closed: int
    closed_without_mediation: int
    decided_in_mediation: int
    decided_for_buyer: int
    median_first_response: timedelta | None

    @classmethod
    def of(cls, *, orders: int, rows: list[_DisputeRow]) -> "Metrics":
        closed = [row for row in rows if row.closed]
        decided = [row for row in rows if row.decided_in_mediation]
        responses = [row.first_response_at - row.opened_at for row in rows if row.first_response_at]
        return cls(
            orders=orders,
            disputes=len(rows),
            closed=len(closed),
            closed_without_mediation=sum(1 for row in closed if row.escalated_at is None),
            decided_in_mediation=len(decided),
            decided_for_buyer=sum(1 for row in decided if row.state == Dispute.State.RESOLVED_BUYER),
            median_first_response=statistics.median(responses) if responses else None,
        )

    @property
    def dispute_rate(self) -> float | None:
        return _share(self.disputes, self.orders)

    @property
    def without_mediation(self) -> float | None:
        return _share(self.closed_without_mediation, self.closed)

    @property
    def for_buyer_in_mediation(self) -> float | None:
        return _share(self.decided_for_buyer, self.decided_in_mediation)

    @property
    def median_first_response_hours(self) -> float | None:
        if self.median_first_response is None:
            return None
        return self.median_first_response.total_seconds() / 3600

    @property
    def shown(self) -> dict[str, str]:
        """Each metric as the pages write it."""
        return {
            "dispute_rate": shown(self.dispute_rate, share=True),
            "without_mediation": shown(self.without_mediation, share=True),
            "for_buyer_in_mediation": shown(self.for_buyer_in_mediation, share=True),
            "median_first_response_hours": shown(self.median_first_response_hours, share=False),
        }


@dataclass(frozen=True)
class Trend:
    """One metric now and in the window before."""

    label: str
    recent: float | None
    previous: float | None
    #: Whether a rise is good news for buyers (a lower dispute rate is better).
    higher_is_better: bool
    is_share: bool = True

    @property
    def recent_shown(self) -> str:
        return shown(self.recent, share=self.is_share)

    @property
    def previous_shown(self) -> str:
        return shown(self.previous, share=self.is_share)

    @property
    def direction(self) -> str:
        """ "up", "down", "same", or "unknown" when either window has nothing to count."""
        if self.recent is None or self.previous is None:
            return "unknown"
        if abs(self.recent - self.previous) < 1e-9:
            return "same"
        return "up" if self.recent > self.previous else "down"

    @property
    def better(self) -> bool | None:
        if self.direction not in ("up", "down"):
            return None
        return (self.direction == "up") == self.higher_is_better


@dataclass(frozen=True)
class ChartBar:
    """One period of the chart: its dispute rate, and the bar's place in a 0-100 tall picture."""

    starts: datetime
    ends: datetime
    orders: int
    disputes: int
    x: int
    height: int

    @property
    def rate(self) -> float | None:
        return _share(self.disputes, self.orders)

    @property
    def rate_shown(self) -> str:
        return shown(self.rate, share=True)

    @property
    def y(self) -> int:
        return 100 - self.height


CHART_BAR_WIDTH = 28
CHART_BAR_GAP = 8


@dataclass(frozen=True)
class SellerRecord:
    store: Store
    now: datetime
    window_days: int
    recent: Metrics
    previous: Metrics
    all_time: Metrics
    chart: list[ChartBar]

    @property
    def chart_width(self) -> int:
        return len(self.chart) * (CHART_BAR_WIDTH + CHART_BAR_GAP)

    @property
    def chart_bar_width(self) -> int:
        return CHART_BAR_WIDTH

    @property
    def trends(self) -> list[Trend]:
        recent, previous = self.recent, self.previous
        return [
            Trend(_("Dispute rate"), recent.dispute_rate, previous.dispute_rate, higher_is_better=False),
            Trend(
                _("Resolved without mediation"),
                recent.without_mediation,
                previous.without_mediation,
                higher_is_better=True,
            ),
            Trend(
                _("Decided for the buyer in mediation"),
                recent.for_buyer_in_mediation,
                previous.for_buyer_in_mediation,
                higher_is_better=False,
            ),
            Trend(
                _("Median first response (hours)"),
                recent.median_first_response_hours,
                previous.median_first_response_hours,
                higher_is_better=False,
                is_share=False,
            ),
        ]


def _chart(*, now: datetime, counts: dict, rows: list[_DisputeRow]) -> list[ChartBar]:
    period, periods = policy.SELLER_RECORD_CHART_PERIOD, policy.SELLER_RECORD_CHART_PERIODS
    spans = [(now - (periods - n) * period, now - (periods - n - 1) * period) for n in range(periods)]
    disputes = [sum(1 for row in rows if start <= row.opened_at < end) for start, end in spans]
    orders = [counts[f"period_{n}"] for n in range(periods)]
    rates = [d / o if o else 0.0 for d, o in zip(disputes, orders, strict=True)]
    top = max(rates) or 1.0
    return [
        ChartBar(
            starts=start,
            ends=end,
            orders=orders[n],
            disputes=disputes[n],
            x=n * (CHART_BAR_WIDTH + CHART_BAR_GAP),
            # A period with disputes keeps a sliver of a bar, so it never reads as "none".
            height=max(round(96 * rates[n] / top), 2 if disputes[n] else 0),
        )
        for n, (start, end) in enumerate(spans)
    ]


def seller_record(*, store: Store, now: datetime) -> SellerRecord:
    """The store's record: the last window, the window before it, all time, and the chart."""
    window = policy.SELLER_RECORD_WINDOW
    recent_from, previous_from = now - window, now - 2 * window
    period, periods = policy.SELLER_RECORD_CHART_PERIOD, policy.SELLER_RECORD_CHART_PERIODS
    chart_counts = {
        f"period_{n}": Count(
            "pk",
            filter=Q(
                paid_at__gte=now - (periods - n) * period,
                paid_at__lt=now - (periods - n - 1) * period,
            ),
        )
        for n in range(periods)
    }
    counts = Order.objects.filter(store=store, paid_at__lte=now).aggregate(
        all_time=Count("pk"),
        recent=Count("pk", filter=Q(paid_at__gt=recent_from)),
        previous=Count("pk", filter=Q(paid_at__gt=previous_from, paid_at__lte=recent_from)),
        **chart_counts,
    )
    rows = [
        _DisputeRow(*values)
        for values in Dispute.objects.filter(store=store, opened_at__lte=now).values_list(
            "opened_at", "seller_first_response_at", "escalated_at", "state", "decided_by_id"
        )
    ]
    return SellerRecord(
        store=store,
        now=now,
        window_days=window.days,
        recent=Metrics.of(orders=counts["recent"], rows=[r for r in rows if r.opened_at > recent_from]),
        previous=Metrics.of(
            orders=counts["previous"],
            rows=[r for r in rows if previous_from < r.opened_at <= recent_from],
        ),
        all_time=Metrics.of(orders=counts["all_time"], rows=rows),
        chart=_chart(now=now, counts=counts, rows=rows),
    )
