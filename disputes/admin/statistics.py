"""The statistics page's parts beyond the team's totals (``selectors.team_statistics``): the
table of mediators, built from a list of columns so that a new figure is one more column, the
chart of decisions per week, and durations as a mediator reads them."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from disputes import tallies
from disputes.admin.selectors import TeamStatistics, WeekRow
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
@dataclass
class MediatorFigures:
    """What the table knows of one mediator: the window's tallies and the cases held now."""

    open_cases: int = 0
    #: Tally name -> the window's total.
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    #: The median time from escalation to decision over the window, none without decisions.
    to_decision: timedelta | None = None


@dataclass(frozen=True)
class Column:
    """One column of the mediators' table: its ``cell`` reads the mediator's figures."""

    key: str
    label: Promise
    cell: Callable[[MediatorFigures], object]


MEDIAN = "median_to_decision"

#: The mediators' table, in order. A new figure (e.g. appeals of each mediator's decisions) is a
#: ``Column`` reading a tally kept per mediator (``disputes.tallies``): the rows, the headings
#: and the cells follow.
MEDIATOR_COLUMNS: list[Column] = [
    Column("open_cases", _("Cases in mediation assigned now"), lambda figures: figures.open_cases),
    Column("decided", _("Decisions in the period"), lambda figures: figures.counts[tallies.DECIDED]),
    Column(
        "decided_for_buyer",
        _("Of which for the buyer"),
        lambda figures: figures.counts[tallies.DECIDED_FOR_BUYER],
    ),
    Column(
        MEDIAN,
        _("Median time from escalation to decision"),
        lambda figures: duration_text(figures.to_decision),
    ),
]


@dataclass(frozen=True)
class MediatorRow:
    mediator: User
    #: Each column's value, in ``MEDIATOR_COLUMNS`` order (a median as text, "" when none).
    cells: list


def mediator_rows(stats: TeamStatistics, *, columns: list[Column] | None = None) -> list[MediatorRow]:
    """Every mediator who decided a case in the statistics' weeks or holds one in mediation now,
    with ``columns``' figures (read by ``team_statistics``), by username: one query, for the
    mediators themselves."""
    columns = MEDIATOR_COLUMNS if columns is None else columns
    figures: dict[int, MediatorFigures] = defaultdict(MediatorFigures)
    for mediator_id, counts in stats.mediator_counts.items():
        figures[mediator_id].counts.update(counts)
    for mediator_id, took in stats.mediator_to_decision.items():
        figures[mediator_id].to_decision = took
    for mediator_id, held in stats.mediator_held.items():
        figures[mediator_id].open_cases = held
    mediators = User.objects.filter(pk__in=list(figures)).order_by("username")
    return [
        MediatorRow(mediator=mediator, cells=[column.cell(figures[mediator.pk]) for column in columns])
        for mediator in mediators
    ]


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
