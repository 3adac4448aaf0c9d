"""What the statistics page counts, kept as tallies (``portal.tallies``) by the events that
change it.

Every change to a dispute writes a ``DisputeEvent`` through ``events``, and the events say all a
figure needs (the dispute after the change, the state it left, who acted, when), so the tallies
are added where the events are written: one place, which a new service cannot forget, and one
addition per transaction (an action writes one event that counts; the sweep writes its group's
events in one statement and adds for all of them at once).

Team and mediator figures are kept per week of the change. A store's figures follow its disputes
by the week each was *opened* (the page counts the disputes opened in its weeks, and how many of
those are closed now); disputes opened, like orders paid (``orders.tallies``), are kept per
rolling window, so ranking every store reads one row per store.
"""

from collections import Counter
from collections.abc import Iterable
from datetime import UTC

from django.apps import apps as django_apps
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncWeek

from disputes.models import Dispute, DisputeEvent
from disputes.models.dispute import CLOSED_STATE_VALUES
from orders import tallies as order_tallies
from portal.tallies import services as tallies
from portal.tallies.services import Increment, duration_bucket, week_of

TEAM = 0
#: Per week of the change; subject TEAM, or a mediator for the decisions.
OPENED = "disputes.opened"
ESCALATED = "disputes.escalated"
DECIDED = "disputes.decided"
DECIDED_FOR_BUYER = "disputes.decided_for_buyer"
#: A histogram (``tallies.duration_bucket``) of the time from escalation to decision, per
#: subject (TEAM or a mediator) and rolling window of the decision's week: the statistics' medians
#: read one window's histograms, not twelve weeks' to be summed (at 1M orders 7,300 rows against
#: 23,100, issue 17).
TO_DECISION = "disputes.to_decision.window"
#: Per store: disputes opened in the window ending with the period's week.
STORE_OPENED = "disputes.store_opened.window"
#: Per store and week opened: closed (without mediation), and the seller's first-response time.
STORE_CLOSED = "disputes.store_closed"
STORE_CLOSED_UNMEDIATED = "disputes.store_closed_unmediated"
STORE_FIRST_RESPONSE = "disputes.store_first_response"
NAMES = [
    OPENED,
    ESCALATED,
    DECIDED,
    DECIDED_FOR_BUYER,
    TO_DECISION,
    STORE_OPENED,
    STORE_CLOSED,
    STORE_CLOSED_UNMEDIATED,
    STORE_FIRST_RESPONSE,
]

T = DisputeEvent.Type
_ESCALATIONS = (T.ESCALATED, T.RETURN_PROBLEM)
_SELLER_ANSWERS = (T.ACCEPTED, T.COUNTER_OFFERED, T.REJECTED)


def counted(events: Iterable[DisputeEvent]) -> list[Increment]:
    """What writing ``events`` adds to the tallies (each event's dispute as the change left it)."""
    added: list[Increment] = []
    for event in events:
        added += _counted(event, event.dispute)
    return added


def record(events: Iterable[DisputeEvent]) -> None:
    """Add what ``events`` count to the tallies, in the caller's transaction."""
    tallies.add(counted(events))


def _counted(event: DisputeEvent, dispute: Dispute) -> list[Increment]:
    week = week_of(event.created_at)
    opened_week = week_of(dispute.opened_at)
    added = []
    if event.type == T.OPENED:
        added.append(Increment(OPENED, TEAM, week))
        added += tallies.in_windows(STORE_OPENED, dispute.store_id, dispute.opened_at)
    elif event.type in _ESCALATIONS:
        added.append(Increment(ESCALATED, TEAM, week))
    elif event.type == T.DECIDED:
        # A decision of no refund closes the dispute for the seller; any other is for the buyer.
        for_buyer = int(event.to_state != Dispute.State.RESOLVED_SELLER)
        for subject in (TEAM, event.actor_id):
            added += [
                Increment(DECIDED, subject, week),
                Increment(DECIDED_FOR_BUYER, subject, week, 0, for_buyer),
            ]
            if dispute.escalated_at is not None:
                took = duration_bucket(event.created_at - dispute.escalated_at)
                added += tallies.in_windows(TO_DECISION, subject, event.created_at, bucket=took)
    elif event.type in _SELLER_ANSWERS and dispute.seller_first_response_at == event.created_at:
        # The transition keeps the first answer's time: this answer is the first. (A second
        # answer at the very same instant as the first would count again; actions cannot.)
        took = duration_bucket(dispute.seller_first_response_at - dispute.opened_at)
        added.append(Increment(STORE_FIRST_RESPONSE, dispute.store_id, opened_week, took))
    if event.from_state not in ("", *CLOSED_STATE_VALUES) and event.to_state in CLOSED_STATE_VALUES:
        added.append(Increment(STORE_CLOSED, dispute.store_id, opened_week))
        if dispute.escalated_at is None:
            added.append(Increment(STORE_CLOSED_UNMEDIATED, dispute.store_id, opened_week))
    return added


# --- rebuilding from the history -----------------------------------------------------------------------
def rebuild_every_tally(apps=django_apps) -> None:
    """Every tally the portal keeps, counted again from the history (the orders' and these)."""
    order_tallies.rebuild(apps)
    rebuild(apps)


def rebuild(apps) -> None:
    """Make the disputes' tallies what the history says, as ``counted`` would have added them:
    aggregates by week in the database, and one row per decision and per seller's first answer
    for the histograms. ``apps`` is a migration's app registry or ``django.apps.apps``."""
    dispute_model = apps.get_model("disputes", "Dispute")
    counts: Counter = Counter()
    _count_disputes(dispute_model, counts)
    _count_escalations(apps.get_model("disputes", "DisputeEvent"), counts)
    _count_decisions(
        apps.get_model("disputes", "Proposal"), apps.get_model("disputes", "DisputeEvent"), counts
    )
    for store_id, opened_at, answered_at in dispute_model.objects.filter(
        seller_first_response_at__isnull=False
    ).values_list("store_id", "opened_at", "seller_first_response_at"):
        counts[
            STORE_FIRST_RESPONSE, store_id, week_of(opened_at), duration_bucket(answered_at - opened_at)
        ] += 1
    tallies.replace(NAMES, counts, model=apps.get_model("tallies", "Tally"))


def _weekly(queryset, field: str):
    return (
        queryset.annotate(week=TruncWeek(field, tzinfo=UTC))
        .values("week")
        .annotate(n=Count("pk"))
        .values_list("week", "n")
        .order_by()
    )


def _count_disputes(dispute_model, counts: Counter) -> None:
    closed = Q(state__in=CLOSED_STATE_VALUES)
    rows = (
        dispute_model.objects.annotate(week=TruncWeek("opened_at", tzinfo=UTC))
        .values("week", "store_id")
        .annotate(
            opened=Count("pk"),
            closed=Count("pk", filter=closed),
            unmediated=Count("pk", filter=closed & Q(escalated_at__isnull=True)),
        )
        .values_list("week", "store_id", "opened", "closed", "unmediated")
        .order_by()
    )
    for week, store_id, opened, closed_n, unmediated in rows:
        week = week.date()
        counts[OPENED, TEAM, week, 0] += opened
        for last in tallies.windows_holding(week):
            counts[STORE_OPENED, store_id, last, 0] += opened
        counts[STORE_CLOSED, store_id, week, 0] += closed_n
        counts[STORE_CLOSED_UNMEDIATED, store_id, week, 0] += unmediated


def _count_escalations(event_model, counts: Counter) -> None:
    for week, n in _weekly(event_model.objects.filter(type__in=_ESCALATIONS), "created_at"):
        counts[ESCALATED, TEAM, week.date(), 0] += n


def _count_decisions(proposal_model, event_model, counts: Counter) -> None:
    # Each decision's escalation: the latest before it (a return gone wrong escalates a decided
    # dispute again), as the dispute's escalated_at was when the decision was made.
    escalation = (
        event_model.objects.filter(
            dispute=OuterRef("dispute"), type__in=_ESCALATIONS, created_at__lte=OuterRef("created_at")
        )
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )
    decisions = proposal_model.objects.filter(kind="decision").annotate(
        escalated=Coalesce(Subquery(escalation), F("dispute__escalated_at"))
    )
    for decided_at, mediator_id, amount, escalated_at in decisions.values_list(
        "created_at", "author_id", "amount", "escalated"
    ):
        week = week_of(decided_at)
        for subject in (TEAM, mediator_id):
            counts[DECIDED, subject, week, 0] += 1
            counts[DECIDED_FOR_BUYER, subject, week, 0] += int(amount > 0)
            if escalated_at is not None:
                took = duration_bucket(decided_at - escalated_at)
                for last in tallies.windows_holding(week):
                    counts[TO_DECISION, subject, last, took] += 1
