"""Every read query of the mediation console: the queue, the case page and the statistics."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Least, RowNumber

from disputes import services
from disputes import tallies as tally_names
from disputes.models import BuyerStanding, Dispute, DisputedItem, DisputeEvent, Evidence, Party, Proposal
from disputes.models.dispute import CLOSED_STATE_VALUES
from messaging.models import Conversation, Message, MessageAttachment
from orders import tallies as order_tallies
from orders.models import LineItem, Order, Refund, Store
from portal import querying
from portal.accounts.models import User
from portal.tallies.models import Tally
from portal.tallies.services import WINDOW_WEEKS, highest_ratios, median, medians, week_of

S = Dispute.State

#: The seeds report that over 70% of mediated cases go to buyers with clear evidence (SPEC
#: "Mediation"); the statistics page shows the team's share next to it.
BUYER_SHARE_REFERENCE = Decimal("0.70")
#: The statistics' weeks: the tallies' rolling windows, over which the sellers are ranked.
STATISTICS_WEEKS = WINDOW_WEEKS
RANKED_SELLERS = 20
HISTORY_ROWS = 10


# --- the queue ------------------------------------------------------------------------------------
def annotate_queue(queryset: QuerySet[Dispute], *, now: datetime) -> QuerySet[Dispute]:
    """Each dispute with ``is_overdue``, ``buyer_flagged`` and ``buyer_blacklisted``, in one query.

    The buyer's standing is read per row shown, not joined: a join to the buyer would be made
    for every case a list counts or sorts as well (at 1M orders, 3,300 in mediation)."""
    standing = BuyerStanding.objects.filter(buyer_id=OuterRef("buyer_id"))
    return queryset.annotate(
        is_overdue=Case(
            When(deadline_at__lt=now, then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        buyer_flagged=Coalesce(
            Subquery(standing.values("flagged")[:1]), Value(False), output_field=BooleanField()
        ),
        buyer_blacklisted=Coalesce(
            Subquery(standing.values("blacklisted")[:1]), Value(False), output_field=BooleanField()
        ),
    )


def queue_ordering(state: str = "mediation") -> list:
    """The queue (``state`` "mediation"): overdue first, then the oldest escalation. Any wider view
    (all open, all closed, one state, all): the soonest deadline first, so the overdue still come
    first, then those without a deadline, newest first, the order ``dispute_deadline_order_idx``
    holds, so a page of a large list is read from the index rather than sorted. A closed dispute
    has no deadline, so the closed views are newest first, in the primary key's order: through
    the deadlines' index a page of them skipped every open dispute first (27,000 at 1M orders:
    42 ms)."""
    if state == "mediation":
        return [F("is_overdue").desc(), F("escalated_at").asc(nulls_last=True), "id"]
    if state == "closed" or state in CLOSED_STATE_VALUES:
        return [F("id").desc()]
    return [F("deadline_at").asc(nulls_last=True), F("id").desc()]


# --- the case page ---------------------------------------------------------------------------------
def case_for_mediator(queryset: QuerySet[Dispute], pk: int) -> Dispute:
    """The dispute with its order and everything the case page shows, in a fixed number of queries.

    ``queryset`` is the console's own (with the queue's annotations), so the admin's change view
    can use this very object instead of loading the dispute a second time. Each order line carries
    ``disputed_quantity`` (``None`` when not disputed), and the dispute ``store_orders``, the
    store's order count, as a subquery rather than a query of its own.

    :raises Dispute.DoesNotExist: no such dispute in ``queryset``
    """
    disputed = DisputedItem.objects.filter(dispute_id=pk, line_item=OuterRef("pk")).values("quantity")
    store_orders = querying.aggregate_per_row(
        Order.objects.filter(store=OuterRef("store_id")), Count("*"), per="store"
    )
    cases = (
        queryset.select_related(
            "order",
            "order__shipment",
            "order__return_terms",
            "store",
            "store__owner",
            "buyer",
            "buyer__standing",
            "decided_by",
            "order__conversation",
            "assigned_mediator",
            "appeal__first_mediator",
            "appeal__decided_by",
        )
        .annotate(store_orders=store_orders)
        .prefetch_related(
            Prefetch(
                "proposals", queryset=Proposal.objects.select_related("author").order_by("created_at", "id")
            ),
            Prefetch(
                "events", queryset=DisputeEvent.objects.select_related("actor").order_by("created_at", "id")
            ),
            Prefetch(
                "evidence",
                queryset=Evidence.objects.select_related("uploaded_by").order_by("received_at", "id"),
            ),
            Prefetch(
                "order__items",
                queryset=LineItem.objects.annotate(disputed_quantity=Subquery(disputed[:1])).order_by("id"),
            ),
            Prefetch("order__refunds", queryset=Refund.objects.order_by("created_at", "id")),
        )
        .filter(pk=pk)
    )
    # Not get(): the LIMIT it adds doubles PostgreSQL's planning of this ten-table join (2 ms of
    # the page), and a primary key matches one row at most anyway.
    found = querying.unique_row(cases)
    if found is None:
        raise Dispute.DoesNotExist
    return found


def max_refund_now(dispute: Dispute) -> Decimal:
    """What a refund decided now could pay at most (the services' own ceiling, which reads the
    refunds the case page prefetched instead of asking again)."""
    return services.refund_ceiling(dispute)


def conversation_messages(order: Order) -> tuple[Conversation | None, list[Message]]:
    """The order's conversation and its messages, oldest first, with senders and, as ``photos``,
    their attachments.

    Messages and photos are read by order, so they are two queries whether or not the parties ever
    wrote: every case page costs the same number of queries.
    """
    try:
        # Joined by case_for_mediator (no query); a conversation never started raises.
        conversation = order.conversation
    except Conversation.DoesNotExist:
        conversation = None
    messages = list(
        Message.objects.filter(conversation__order=order)
        .select_related("sender")
        .order_by("created_at", "id")
    )
    photos: dict[int, list[MessageAttachment]] = {message.pk: [] for message in messages}
    for photo in MessageAttachment.objects.filter(message__conversation__order=order).order_by("id"):
        photos[photo.message_id].append(photo)
    for message in messages:
        message.photos = photos[message.pk]
    return conversation, messages


@dataclass
class PartyHistory:
    """One party's disputes: how many, how they ended, and the latest few besides this one."""

    total: int = 0
    open: int = 0
    resolved_buyer: int = 0
    resolved_seller: int = 0
    withdrawn: int = 0
    mediated: int = 0
    recent: list[Dispute] = field(default_factory=list)

    @property
    def buyer_win_share(self) -> float | None:
        decided = self.resolved_buyer + self.resolved_seller
        return self.resolved_buyer / decided if decided else None


#: What a history row shows (the rest of a dispute would only be carried through the sorts).
_HISTORY_FIELDS = [
    "id",
    "order_id",
    "buyer_id",
    "store_id",
    "state",
    "refund_amount",
    "currency",
    "opened_at",
]
_HISTORY_COUNTS = {
    "total": None,
    "open": Q(state__in=Dispute.OPEN_STATES),
    "resolved_buyer": Q(state=S.RESOLVED_BUYER),
    "resolved_seller": Q(state=S.RESOLVED_SELLER),
    "withdrawn": Q(state=S.WITHDRAWN),
    "mediated": Q(escalated_at__isnull=False),
}
#: The place of a row that is not the party's at all: after every place the party's rows take. The
#: largest integer PostgreSQL's ``integer`` holds, since the query sends it as one.
_NOWHERE = 2**31 - 1


def _over(party: str) -> dict:
    """The party's counts and each row's place among its latest disputes, as window functions."""
    annotations = {
        f"{party}_{name}": Window(Count("pk", filter=condition), partition_by=[F(f"{party}_id")])
        for name, condition in _HISTORY_COUNTS.items()
    }
    annotations[f"{party}_place"] = Window(
        RowNumber(), partition_by=[F(f"{party}_id")], order_by=[F("opened_at").desc(), F("id").desc()]
    )
    return annotations


def _party(rows: list[Dispute], party: str, *, dispute: Dispute) -> PartyHistory:
    """One party's history, out of the rows ``party_histories`` read for both."""
    mine = [row for row in rows if getattr(row, f"{party}_id") == getattr(dispute, f"{party}_id")]
    # The party's latest dispute always has place 1, so it is always among the rows.
    first = mine[0]
    latest = sorted(
        (row for row in mine if getattr(row, f"{party}_place") <= HISTORY_ROWS + 1),
        key=lambda row: getattr(row, f"{party}_place"),
    )
    return PartyHistory(
        **{name: getattr(first, f"{party}_{name}") for name in _HISTORY_COUNTS},
        recent=[row for row in latest if row.pk != dispute.pk][:HISTORY_ROWS],
    )


def _histories_queryset(buyer_id: int, store_id: int) -> QuerySet[Dispute]:
    place = Least(
        Case(When(buyer_id=buyer_id, then=F("buyer_place")), default=Value(_NOWHERE)),
        Case(When(store_id=store_id, then=F("store_place")), default=Value(_NOWHERE)),
    )
    return (
        Dispute.objects.filter(Q(buyer_id=buyer_id) | Q(store_id=store_id))
        .only(*_HISTORY_FIELDS)
        .annotate(**_over("buyer"), **_over("store"))
        .annotate(
            order_number=Subquery(Order.objects.filter(pk=OuterRef("order_id")).values("number")),
            store_name=Subquery(Store.objects.filter(pk=OuterRef("store_id")).values("name")),
            buyer_username=Subquery(User.objects.filter(pk=OuterRef("buyer_id")).values("username")),
        )
        .order_by(place, "-opened_at", "-id")[: 2 * (HISTORY_ROWS + 1)]
    )


def party_histories(dispute: Dispute) -> tuple[PartyHistory, PartyHistory]:
    """The buyer's disputes across every store and the store's with every buyer, in one query.

    Every dispute of either party carries its party's counts (window functions over that party's
    disputes) and its place among that party's latest. Sorted by the better of its two places,
    the first 2 * (HISTORY_ROWS + 1) rows hold each party's latest HISTORY_ROWS + 1; this dispute
    is dropped from them here. Order number, store name and buyer come as subqueries rather than
    joins: PostgreSQL then looks them up for the rows kept only, not for each of a big store's
    thousands of disputes.
    """
    rows = list(_histories_queryset(buyer_id=dispute.buyer_id, store_id=dispute.store_id))
    return _party(rows, "buyer", dispute=dispute), _party(rows, "store", dispute=dispute)


@dataclass(frozen=True)
class CaseHistories:
    """The parties' pasts beside a case: the buyer's and the store's disputes, the store's orders."""

    buyer: PartyHistory
    store: PartyHistory
    store_orders: int

    @property
    def store_dispute_rate(self) -> float | None:
        """The store's disputes per 100 orders; none for a store without orders."""
        return 100 * self.store.total / self.store_orders if self.store_orders else None


def case_histories(dispute: Dispute) -> CaseHistories:
    """The histories of a case that ``case_for_mediator`` loaded (it counted the store's orders)."""
    buyer, store = party_histories(dispute)
    return CaseHistories(buyer=buyer, store=store, store_orders=dispute.store_orders)


def evidence_by_party(dispute: Dispute) -> list[tuple[str, list[Evidence]]]:
    """The case's prefetched evidence by who sent it, the buyer's first; a party with none is left out."""
    groups = []
    for party in (Party.BUYER, Party.SELLER, Party.MEDIATOR):
        files = [evidence for evidence in dispute.evidence.all() if evidence.party == party]
        if files:
            groups.append((Party(party).label, files))
    return groups


# --- statistics ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WeekRow:
    week: date
    opened: int
    escalated: int
    decided: int
    decided_for_buyer: int


@dataclass(frozen=True)
class SellerRow:
    store: Store
    orders: int
    disputes: int
    rate: float
    closed: int
    closed_without_mediation: int
    median_first_response: timedelta | None

    @property
    def share_without_mediation(self) -> float | None:
        return self.closed_without_mediation / self.closed if self.closed else None

    @property
    def rate_percent(self) -> float:
        return 100 * self.rate

    @property
    def share_without_mediation_percent(self) -> float | None:
        share = self.share_without_mediation
        return None if share is None else 100 * share


@dataclass(frozen=True)
class TeamStatistics:
    since: datetime
    weeks: list[WeekRow]
    decided: int
    decided_for_buyer: int
    median_time_to_decision: timedelta | None
    in_mediation: int
    overdue: int
    unassigned: int
    sellers: list[SellerRow]
    #: Each mediator's figures (``disputes.admin.statistics.mediator_rows`` lays them out): the
    #: weeks' tallies by name, the median time to decision, the cases in mediation held now.
    mediator_counts: dict[int, dict[str, int]] = field(default_factory=dict)
    mediator_to_decision: dict[int, timedelta] = field(default_factory=dict)
    mediator_held: dict[int, int] = field(default_factory=dict)
    reference_share: Decimal = BUYER_SHARE_REFERENCE

    @property
    def first_week(self) -> date:
        """The Monday the page's weeks start on (in UTC, as the tallies keep them)."""
        return self.since.astimezone(UTC).date()

    @property
    def buyer_share(self) -> float | None:
        return self.decided_for_buyer / self.decided if self.decided else None

    @property
    def buyer_share_percent(self) -> float | None:
        share = self.buyer_share
        return None if share is None else 100 * share

    @property
    def reference_percent(self) -> int:
        return int(self.reference_share * 100)

    @property
    def busiest_week(self) -> int:
        return max((row.decided for row in self.weeks), default=0)

    @property
    def meets_reference(self) -> bool | None:
        share = self.buyer_share
        return None if share is None else share >= self.reference_share


def sellers_by_dispute_rate(*, until: date, limit: int = RANKED_SELLERS) -> list[SellerRow]:
    """Stores with the most disputes per order among the orders paid and the disputes opened in
    the ``WINDOW_WEEKS`` weeks ending with ``until``'s, with how many of those disputes are closed
    (and without mediation) and their median first-response time.

    Read from the tallies the services keep: the ranking from the window's row of each store
    that had a dispute in it (and the row of its orders paid), then the ranked stores' weeks.
    """
    since = until - timedelta(weeks=WINDOW_WEEKS - 1)
    ranked = highest_ratios(tally_names.STORE_OPENED, order_tallies.PAID, until, limit=limit)
    stores = Store.objects.select_related("owner").in_bulk([row[0] for row in ranked])
    counts: dict[tuple[str, int], int] = defaultdict(int)
    responses: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for name, store_id, bucket, n in Tally.objects.filter(
        name__in=[
            tally_names.STORE_CLOSED,
            tally_names.STORE_CLOSED_UNMEDIATED,
            tally_names.STORE_FIRST_RESPONSE,
        ],
        subject__in=list(stores),
        period__range=(since, until),
    ).values_list("name", "subject", "bucket", "n"):
        if name == tally_names.STORE_FIRST_RESPONSE:
            responses[store_id][bucket] += n
        else:
            counts[name, store_id] += n
    return [
        SellerRow(
            store=stores[store_id],
            orders=orders,
            disputes=disputes,
            rate=rate,
            closed=counts[tally_names.STORE_CLOSED, store_id],
            closed_without_mediation=counts[tally_names.STORE_CLOSED_UNMEDIATED, store_id],
            median_first_response=median(responses[store_id]),
        )
        for store_id, disputes, orders, rate in ranked
    ]


def team_statistics(*, now: datetime) -> TeamStatistics:
    """The team's numbers over the last ``STATISTICS_WEEKS`` weeks (this one included), each
    mediator's, and the queue now.

    The weeks' figures are tallies the services keep as they act (``disputes.tallies``), read in
    one query for the team and every mediator: a few rows per week and person, however many
    cases the weeks hold. The medians come from histograms of the times to decision, at the
    resolution the page shows, kept per rolling window of the weeks shown, read by the database
    down to their middle buckets (``tallies.medians``), the team's and every mediator's in one
    query. The queue now is one count per mediator, from the cases' own index.
    """
    this_week = week_of(now)  # a Monday in UTC, as the tallies keep their weeks
    since = this_week - timedelta(weeks=STATISTICS_WEEKS - 1)
    weeks = Tally.objects.filter(period__range=(since, this_week))
    per_week: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    per_mediator: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for name, subject, week, n in weeks.filter(
        name__in=[
            tally_names.OPENED,
            tally_names.ESCALATED,
            tally_names.DECIDED,
            tally_names.DECIDED_FOR_BUYER,
        ]
    ).values_list("name", "subject", "period", "n"):
        if subject == tally_names.TEAM:
            per_week[name][week] += n
        else:
            per_mediator[subject][name] += n
    to_decision = medians(tally_names.TO_DECISION, this_week)
    week_rows = [
        WeekRow(
            week=week,
            opened=per_week[tally_names.OPENED][week],
            escalated=per_week[tally_names.ESCALATED][week],
            decided=per_week[tally_names.DECIDED][week],
            decided_for_buyer=per_week[tally_names.DECIDED_FOR_BUYER][week],
        )
        for week in (since + timedelta(weeks=index) for index in range(STATISTICS_WEEKS))
    ]
    held = {
        mediator: (n, overdue)
        for mediator, n, overdue in Dispute.objects.filter(state__in=Dispute.MEDIATION_STATES)
        .values("assigned_mediator")
        .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(deadline_at__lt=now)))
        .values_list("assigned_mediator", "n", "overdue")
        .order_by()
    }
    return TeamStatistics(
        since=datetime.combine(since, time.min, tzinfo=UTC),
        weeks=list(reversed(week_rows)),
        decided=sum(row.decided for row in week_rows),
        decided_for_buyer=sum(row.decided_for_buyer for row in week_rows),
        median_time_to_decision=to_decision.pop(tally_names.TEAM, None),
        in_mediation=sum(n for n, _overdue in held.values()),
        overdue=sum(overdue for _n, overdue in held.values()),
        unassigned=held.get(None, (0, 0))[0],
        sellers=sellers_by_dispute_rate(until=this_week),
        mediator_counts=per_mediator,
        mediator_to_decision=to_decision,
        mediator_held={mediator: n for mediator, (n, _overdue) in held.items() if mediator is not None},
    )
