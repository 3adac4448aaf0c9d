"""The statistics page's parts beyond the team's totals (``selectors.team_statistics``): the
table of mediators, built from a list of columns so that a new figure is one more column, the
chart of decisions per week, and durations as a mediator reads them."""

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, OuterRef, Q
from django.db.models.expressions import Combinable
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from disputes.admin.selectors import WeekRow
from disputes.models import Dispute, Proposal
from portal import querying
from portal.accounts.models import User


# --- durations -------------------------------------------------------------------------------------
def duration_text(delta: timedelta | None) -> str:
    """A duration as a mediator reads it, in whole units with the language's plurals:
    "3 days 4 hours", "7 hours", "12 minutes"."""
    if delta is None:
        return ""
    minutes = round(delta.total_seconds() / 60)
    days, hours = minutes // (24 * 60), minutes // 60 % 24
    if days:
        text = ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
        if hours:
            text += " " + ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
        return text
    if hours:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


# --- the mediators' table --------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """One column of the mediators' table.

    ``count`` builds the per-mediator annotation over the window starting at its argument (an
    ``OuterRef("pk")`` subquery, e.g. with ``querying.aggregate_per_row``); a column without one
    is filled in Python by :func:`mediator_rows` (the median).
    """

    key: str
    label: Promise
    count: Callable[[datetime], Combinable] | None = None


def _decisions(since: datetime, **filters) -> Combinable:
    return querying.aggregate_per_row(
        Proposal.objects.filter(
            kind=Proposal.Kind.DECISION, author=OuterRef("pk"), created_at__gte=since, **filters
        ),
        Count("pk"),
        per="author",
    )


def _open_cases(_since: datetime) -> Combinable:
    return querying.aggregate_per_row(
        Dispute.objects.filter(assigned_mediator=OuterRef("pk"), state__in=Dispute.MEDIATION_STATES),
        Count("pk"),
        per="assigned_mediator",
    )


MEDIAN = "median_to_decision"

#: The mediators' table, in order. A new figure (e.g. appeals of each mediator's decisions) is a
#: ``Column`` with its ``count``: the rows, the headings and the cells follow.
MEDIATOR_COLUMNS: list[Column] = [
    Column("open_cases", _("Cases in mediation assigned now"), _open_cases),
    Column("decided", _("Decisions in the period"), lambda since: _decisions(since)),
    Column("decided_for_buyer", _("Of which for the buyer"), lambda since: _decisions(since, amount__gt=0)),
    Column(MEDIAN, _("Median time from escalation to decision")),
]


@dataclass(frozen=True)
class MediatorRow:
    mediator: User
    #: Each column's value, in ``MEDIATOR_COLUMNS`` order (a median as text, "" when none).
    cells: list


def mediator_rows(*, since: datetime, columns: list[Column] | None = None) -> list[MediatorRow]:
    """Every mediator who decided a case since ``since`` or holds one in mediation now, with
    ``columns``' figures, by username: one query for the counts, one for the medians."""
    columns = MEDIATOR_COLUMNS if columns is None else columns
    active = Q(
        pk__in=Proposal.objects.filter(kind=Proposal.Kind.DECISION, created_at__gte=since).values("author")
    ) | Q(pk__in=Dispute.objects.filter(state__in=Dispute.MEDIATION_STATES).values("assigned_mediator"))
    mediators = list(
        User.objects.filter(active)
        .annotate(**{column.key: column.count(since) for column in columns if column.count})
        .order_by("username")
    )
    durations: dict[int, list[timedelta]] = {mediator.pk: [] for mediator in mediators}
    for author_id, took in (
        Proposal.objects.filter(
            kind=Proposal.Kind.DECISION,
            created_at__gte=since,
            author__in=mediators,
            dispute__escalated_at__isnull=False,
        )
        .annotate(took=F("created_at") - F("dispute__escalated_at"))
        .values_list("author_id", "took")
    ):
        durations[author_id].append(took)
    rows = []
    for mediator in mediators:
        medians = durations[mediator.pk]
        values = {MEDIAN: duration_text(statistics.median(medians) if medians else None)}
        rows.append(
            MediatorRow(
                mediator=mediator,
                cells=[values.get(column.key, getattr(mediator, column.key, "")) for column in columns],
            )
        )
    return rows


# --- the chart of decisions per week -----------------------------------------------------------------
CHART_WIDTH, CHART_HEIGHT, CHART_AXIS = 720, 180, 24


@dataclass(frozen=True)
class Bar:
    x: int
    width: int
    #: The bar's top, and its parts: decided for the buyer (below) and for the seller (above).
    y: int
    buyer_y: int
    buyer_height: int
    seller_height: int
    label_x: int
    label: str
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: int
    bars: list[Bar]
    busiest: int


def decisions_chart(weeks: list[WeekRow]) -> Chart:
    """Bars of decisions per week, oldest first, split into decided for the buyer and not:
    drawn by the page as inline SVG (no script, nothing to load)."""
    ordered = sorted(weeks, key=lambda row: row.week)
    busiest = max((row.decided for row in ordered), default=0)
    plot = CHART_HEIGHT - CHART_AXIS
    slot = CHART_WIDTH // max(len(ordered), 1)
    bars = []
    for index, row in enumerate(ordered):
        height = round(plot * row.decided / busiest) if busiest else 0
        buyer_height = round(plot * row.decided_for_buyer / busiest) if busiest else 0
        week = formats.date_format(row.week, "j M")
        bars.append(
            Bar(
                x=index * slot + slot // 6,
                width=slot * 2 // 3,
                y=plot - height,
                buyer_y=plot - buyer_height,
                buyer_height=buyer_height,
                seller_height=height - buyer_height,
                label_x=index * slot + slot // 2,
                label=week,
                title=ngettext(
                    "Week of %(week)s: %(n)d decision, %(buyer)d for the buyer",
                    "Week of %(week)s: %(n)d decisions, %(buyer)d for the buyer",
                    row.decided,
                )
                % {"week": week, "n": row.decided, "buyer": row.decided_for_buyer},
            )
        )
    return Chart(width=CHART_WIDTH, height=CHART_HEIGHT, baseline=plot, bars=bars, busiest=busiest)
