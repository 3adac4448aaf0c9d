"""Play the demo's disputes through the real services and the real deadline sweep, at times in
the past, after ``orders.demo`` has played the orders: each dispute gets an order of its own,
its evidence photos and chat, and ends in the state its story names. Nothing is due when it
finishes."""

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction

from disputes import policy, services
from disputes.demo.photos import photo
from disputes.demo.stories import DISPUTE_STORIES, MEDIATOR, DisputeStory, Step
from disputes.forms import check_evidence
from disputes.models import Appeal, Dispute
from messaging import services as messaging
from orders.demo.loader import (
    SWEEP_LAG,
    DemoFailed,
    jobs_inline,
    load_orders,
    pay_pending_refunds,
    play_story,
    run_clock,
)
from orders.demo.stories import STORIES
from orders.models import Carrier, Order, Store
from portal import deadlines
from portal.accounts.models import User

RETURN_TRACKING = "LP00{:012d}FR"


def load_demo(*, now: datetime) -> tuple[list[Order], list[Dispute]]:
    """Create the demo's people, stores and orders, then play every dispute story up to ``now``,
    all in one transaction.

    :raises DemoFailed: an order or a dispute ended in another state than its story expects
    """
    with jobs_inline(), transaction.atomic():
        orders = load_orders(now=now)
        disputes = [
            play_dispute(story, index=len(STORIES) + number, now=now)
            for number, story in enumerate(DISPUTE_STORIES)
        ]
        return orders, disputes


def play_dispute(story: DisputeStory, *, index: int, now: datetime) -> Dispute:
    """Play the order up to the dispute, open it, then replay its steps with the clock running.

    :raises DemoFailed: the order was not delivered when the dispute opened, or the dispute
        ended in another state than the story expects
    """
    users = {user.username: user for user in User.objects.filter(username__in=[story.buyer, MEDIATOR])}
    buyer, mediator = users[story.buyer], users[MEDIATOR]
    store = Store.objects.select_related("owner").get(owner__username=f"{story.store}_seller")
    opened_at = now - timedelta(days=story.opened)
    order = play_story(story.order_story(), index=index, buyer=buyer, store=store, now=now, until=opened_at)
    if order.state != Order.State.DELIVERED:
        raise DemoFailed(f"Demo order {order.number} was {order.state} when its dispute opened.")
    actors = {"buyer": buyer, "seller": store.owner, "mediator": mediator}
    dispute = None
    timeline = sorted([Step(story.opened, "open"), *story.steps], key=lambda step: -step.days_ago)
    for step in timeline:
        at = now - timedelta(days=step.days_ago)
        _run_clock(order, dispute, until=at)
        if step.verb == "open":
            dispute = _open(story, order=order, buyer=buyer, at=at)
        else:
            VERBS[step.verb](step=step, order=order, dispute=dispute, actors=actors, at=at)
        pay_pending_refunds(order, at=at)
    _run_clock(order, dispute, until=now)
    dispute.refresh_from_db()
    if dispute.state != story.expect:
        raise DemoFailed(
            f"The dispute on demo order {order.number} ended {dispute.state}, not {story.expect}."
        )
    return dispute


def _run_clock(order: Order, dispute: Dispute | None, *, until: datetime) -> None:
    """Run the real sweep at each deadline and reminder of the dispute (and its order) due before
    ``until``, as beat would have.

    :raises DemoFailed: the sweep left something due unapplied
    """
    if dispute is None:
        run_clock(order, until=until)
        return
    while True:
        dispute.refresh_from_db()
        order.refresh_from_db()
        due = [
            moment
            for moment in (
                order.deadline_at,
                dispute.deadline_at if dispute.state in Dispute.ENFORCED_STATES else None,
                dispute.next_reminder_at,
            )
            if moment is not None and moment <= until
        ]
        if not due:
            return
        swept_at = min(due) + SWEEP_LAG
        deadlines.enforce_all(now=swept_at)
        pay_pending_refunds(order, at=swept_at)
        dispute.refresh_from_db()
        order.refresh_from_db()
        if min(due) in (order.deadline_at, dispute.deadline_at, dispute.next_reminder_at):
            raise DemoFailed(f"The sweep did not apply what was due on demo order {order.number}.")


def _evidence(captions: tuple[str, ...]) -> list:
    return check_evidence([photo(caption) for caption in captions])


def _amount(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _open(story: DisputeStory, *, order: Order, buyer: User, at: datetime) -> Dispute:
    claim = services.DisputeClaim(
        reason=story.reason,
        item_received=story.reason != Dispute.Reason.NOT_RECEIVED,
        items=[(item, item.quantity) for item in order.items.order_by("id")],
        amount=_amount(story.amount),
        with_return=story.with_return,
        description=story.description,
        evidence=_evidence(story.photos),
    )
    return services.open_dispute(order=order, buyer=buyer, claim=claim, now=at)


def _write(party: str) -> Callable:
    def write(*, step: Step, order: Order, actors: dict, at: datetime, **_context) -> None:
        messaging.send_message(order=order, sender=actors[party], body=step.note, photos=[], now=at)

    return write


def _mediator_writes(*, step: Step, dispute: Dispute, actors: dict, at: datetime, **_context) -> None:
    services.post_mediator_message(dispute=dispute, mediator=actors["mediator"], text=step.note, now=at)


def _counter_offer(*, step: Step, dispute: Dispute, actors: dict, at: datetime, **_context) -> None:
    services.counter_offer(
        dispute=dispute,
        seller=actors["seller"],
        amount=Decimal(step.amount),
        with_return=step.with_return,
        note=step.note,
        evidence=_evidence(step.photos),
        now=at,
    )


def _reject(*, step: Step, dispute: Dispute, actors: dict, at: datetime, **_context) -> None:
    services.reject_request(
        dispute=dispute, seller=actors["seller"], note=step.note, evidence=_evidence(step.photos), now=at
    )


def _accept_request(*, dispute: Dispute, actors: dict, at: datetime, **_context) -> None:
    services.accept_request(dispute=dispute, seller=actors["seller"], now=at)


def _ship_return(*, dispute: Dispute, actors: dict, at: datetime, **_context) -> None:
    services.ship_return(
        dispute=dispute,
        buyer=actors["buyer"],
        carrier=Carrier.OTHER_POST,
        tracking_number=RETURN_TRACKING.format(dispute.pk * 7_919),
        now=at,
    )


def _escalate(*, step: Step, dispute: Dispute, actors: dict, at: datetime, **_context) -> None:
    services.escalate_dispute(dispute=dispute, user=actors["buyer"], note=step.note, now=at)


def _withdraw(*, dispute: Dispute, actors: dict, at: datetime, **_context) -> None:
    services.withdraw_dispute(dispute=dispute, buyer=actors["buyer"], now=at)


def _assign(*, dispute: Dispute, actors: dict, at: datetime, **_context) -> None:
    services.assign_to_mediator(dispute=dispute, mediator=actors["mediator"], now=at)


def _request_evidence(*, step: Step, dispute: Dispute, actors: dict, at: datetime, **_context) -> None:
    services.request_evidence(
        dispute=dispute,
        mediator=actors["mediator"],
        party=step.party,
        note=step.note,
        due_at=at + policy.EVIDENCE_RESPONSE_WINDOW,
        now=at,
    )


def _decide(*, step: Step, dispute: Dispute, actors: dict, at: datetime, **_context) -> None:
    services.decide_dispute(
        dispute=dispute,
        mediator=actors["mediator"],
        decision=step.decision,
        amount=_amount(step.amount),
        note=step.note,
        now=at,
    )


def _appeal(*, step: Step, dispute: Dispute, actors: dict, at: datetime, **_context) -> None:
    services.file_appeal(
        dispute=dispute, user=actors[step.party], reason=step.note, files=_evidence(step.photos), now=at
    )


def _answer_appeal(*, step: Step, dispute: Dispute, actors: dict, at: datetime, **_context) -> None:
    services.answer_appeal(
        appeal=Appeal.objects.get(dispute=dispute), user=actors[step.party], text=step.note, files=[], now=at
    )


#: What each step's ``verb`` does, through the service a person's click would call.
VERBS: dict[str, Callable] = {
    "buyer_writes": _write("buyer"),
    "seller_writes": _write("seller"),
    "mediator_writes": _mediator_writes,
    "counter_offer": _counter_offer,
    "reject_request": _reject,
    "accept_request": _accept_request,
    "ship_return": _ship_return,
    "escalate": _escalate,
    "withdraw": _withdraw,
    "assign": _assign,
    "request_evidence": _request_evidence,
    "decide": _decide,
    "appeal": _appeal,
    "answer_appeal": _answer_appeal,
}
