"""The clock: every dispute deadline at deadline - 1 s, at the deadline and + 1 s, through the one
sweep (``portal.deadlines.enforce_all``), its reminders, and the order clock around a dispute."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from disputes import selectors, services
from disputes.models import Dispute, DisputeEvent, Party
from orders.models import Carrier, Order, Refund
from portal import deadlines, formatting
from tests.factories import OrderFactory, completed_order, open_dispute_for, ship

pytestmark = pytest.mark.django_db

S = Dispute.State
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)


@pytest.fixture
def shipped(order, now):
    return ship(order, at=now + DAY)


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run the deadline sweep at ``at`` and whatever it queues (notifications, refund payments)."""

    def run(at: datetime) -> dict[str, int]:
        with django_capture_on_commit_callbacks(execute=True):
            return deadlines.enforce_all(now=at)

    return run


def auto_events(dispute: Dispute) -> list[DisputeEvent]:
    return list(dispute.events.filter(type=DisputeEvent.Type.AUTO_RESOLVED).order_by("id"))


def reminders(mailoutbox, dispute: Dispute) -> list:
    return [m for m in mailoutbox if m.subject == f"Reminder: dispute {dispute.reference} needs your action"]


# --- the five automatic outcomes ------------------------------------------------------------------------
@dataclass(frozen=True)
class Scenario:
    """How to bring a dispute to a deadline, who must act before it, and what it does."""

    build: Callable
    acting: str
    outcome: str
    rule: str
    sentence: str
    #: The timeline event that started the deadline, and the start of the rule's explanation.
    started_with: str = ""
    rule_text: str = ""


def _seller_silent(order, t0, mediator):
    return open_dispute_for(order, at=t0, amount=Decimal("60.00"))


def _buyer_silent(order, t0, mediator):
    dispute = open_dispute_for(order, at=t0)
    return services.counter_offer(
        dispute=dispute,
        seller=order.store.owner,
        amount=Decimal("20.00"),
        with_return=False,
        note="",
        evidence=[],
        now=t0 + DAY,
    )


def _return_not_shipped(order, t0, mediator):
    dispute = open_dispute_for(order, at=t0, with_return=True)
    return services.accept_request(dispute=dispute, seller=order.store.owner, now=t0 + DAY)


def _return_not_confirmed(order, t0, mediator):
    dispute = _return_not_shipped(order, t0, mediator)
    return services.ship_return(
        dispute=dispute,
        buyer=order.buyer,
        carrier=Carrier.UPS,
        tracking_number="1Z999AA10123456784",
        now=t0 + 2 * DAY,
    )


def _in_mediation(order, t0, mediator=None):
    dispute = open_dispute_for(order, at=t0)
    services.reject_request(dispute=dispute, seller=order.store.owner, note="No", evidence=[], now=t0 + DAY)
    return services.escalate_dispute(dispute=dispute, user=order.buyer, note="", now=t0 + DAY)


def _evidence_not_provided(order, t0, mediator):
    dispute = _in_mediation(order, t0)
    return services.request_evidence(
        dispute=dispute,
        mediator=mediator,
        party=Party.SELLER,
        note="Proof of delivery",
        due_at=t0 + 4 * DAY,
        now=t0 + 2 * DAY,
    )


SCENARIOS = {
    "seller_silent": Scenario(
        _seller_silent,
        Party.SELLER,
        S.RESOLVED_BUYER,
        "seller_silent",
        "the seller did not respond by 24 Nov 2026, 12:00",
        "Dispute opened",
        "the seller answers within 15 days, or the buyer's request is accepted as asked",
    ),
    "buyer_silent": Scenario(
        _buyer_silent,
        Party.BUYER,
        S.WITHDRAWN,
        "buyer_silent",
        "the buyer did not respond by 17 Nov 2026, 12:00",
        "Counter-offer made",
        "the buyer answers the seller within 7 days, or the dispute closes as withdrawn",
    ),
    "return_not_shipped": Scenario(
        _return_not_shipped,
        Party.BUYER,
        S.RESOLVED_SELLER,
        "return_not_shipped",
        "the return was not shipped by 20 Nov 2026, 12:00",
        "Request accepted",
        "the buyer ships the return within 10 days, or the dispute closes in the seller's favour",
    ),
    "return_not_confirmed": Scenario(
        _return_not_confirmed,
        Party.SELLER,
        S.RESOLVED_BUYER,
        "return_not_confirmed",
        "the seller did not confirm the return by 11 Dec 2026, 12:00",
        "Return shipped",
        "the seller confirms the return within 30 days of its dispatch, or the refund is paid anyway",
    ),
    "evidence_not_provided": Scenario(
        _evidence_not_provided,
        Party.SELLER,
        S.IN_MEDIATION,
        "evidence_not_provided",
        "the requested evidence did not arrive by 13 Nov 2026, 12:00",
        "Evidence requested",
        "requested evidence arrives within 5 days, or the mediator decides on what is there",
    ),
}


@pytest.fixture(params=SCENARIOS.keys())
def scenario(request) -> Scenario:
    return SCENARIOS[request.param]


@pytest.fixture
def due(scenario, shipped, t0, mediator) -> Dispute:
    """A dispute waiting on its scenario's deadline."""
    dispute = scenario.build(shipped, t0, mediator)
    dispute.refresh_from_db()
    assert dispute.deadline_party == scenario.acting
    return dispute


def test_nothing_happens_one_second_before_the_deadline(due, sweep, mailoutbox):
    state, deadline = due.state, due.deadline_at

    sweep(deadline - SECOND)

    due.refresh_from_db()
    assert (due.state, due.deadline_at) == (state, deadline)
    assert auto_events(due) == []
    assert not [m for m in mailoutbox if "deadline passed" in m.subject]


@pytest.mark.parametrize("late", [timedelta(0), SECOND], ids=["at", "plus_1s"])
def test_the_deadline_applies_its_rule_once(due, scenario, sweep, late, mailoutbox):
    deadline, from_state = due.deadline_at, due.state

    sweep(deadline + late)
    sweep(deadline + late)
    sweep(deadline + late + 20 * DAY)

    due.refresh_from_db()
    assert due.state == scenario.outcome
    (event,) = auto_events(due)
    assert (event.actor, event.from_state, event.to_state) == (None, from_state, scenario.outcome)
    started = due.events.filter(to_state=from_state).latest("created_at", "id")
    assert event.data == {
        "rule": scenario.rule,
        "deadline": deadline.isoformat(),
        "started_by": {"event": started.pk, "type": started.type, "at": started.created_at.isoformat()},
    }
    assert event.created_at == deadline + late
    assert selectors.event_sentence(event) == f"Decided automatically: {scenario.sentence}."
    # Explained where it is shown: the rule, the deadline and the event that started it.
    explanation = (
        f"Rule: {scenario.rule_text}. Deadline: {formatting.moment(deadline)}. "
        f"The deadline started with “{scenario.started_with}” on {formatting.moment(started.created_at)}."
    )
    entries = selectors.timeline(selectors.dispute_for_page(due))
    assert next(e for e in entries if e.event.pk == event.pk).explanation == explanation
    assert due.refunds.count() == (1 if scenario.outcome == S.RESOLVED_BUYER else 0)
    told = {m.to[0] for m in mailoutbox if m.subject == f"Dispute {due.reference}: a deadline passed"}
    assert told == {due.buyer.email, due.store.owner.email}
    assert all(
        f"Decided automatically: {scenario.sentence}" in m.body and explanation in " ".join(m.body.split())
        for m in mailoutbox
        if m.subject == f"Dispute {due.reference}: a deadline passed"
    )


def test_the_automatic_outcome_is_told_in_the_recipients_time_zone(shipped, t0, sweep, mailoutbox):
    seller = shipped.store.owner
    seller.time_zone = "Asia/Shanghai"
    seller.save()
    dispute = _seller_silent(shipped, t0, None)

    sweep(dispute.deadline_at)

    (mail,) = [m for m in mailoutbox if m.to == [seller.email] and "deadline passed" in m.subject]
    assert "the seller did not respond by 24 Nov 2026, 20:00" in mail.body


def test_seller_silence_grants_a_full_request_and_refunds_the_order(shipped, t0, sweep):
    dispute = _seller_silent(shipped, t0, None)

    sweep(dispute.deadline_at)

    dispute.refresh_from_db()
    assert (dispute.outcome, dispute.refund_amount, dispute.agreed_return) == (
        Dispute.Outcome.FULL_REFUND,
        Decimal("60.00"),
        False,
    )
    assert Refund.objects.get(dispute=dispute).status == Refund.Status.PAID
    shipped.refresh_from_db()
    assert shipped.state == Order.State.REFUNDED and shipped.deadline_at is None


def test_seller_silence_grants_a_partial_request_and_settles_the_rest(shipped, t0, sweep):
    dispute = open_dispute_for(shipped, at=t0, amount=Decimal("25.00"))
    deadline = dispute.deadline_at

    sweep(deadline)

    dispute.refresh_from_db()
    assert (dispute.outcome, dispute.refund_amount) == (Dispute.Outcome.PARTIAL_REFUND, Decimal("25.00"))
    shipped.refresh_from_db()
    # The rest stays in escrow through a new dispute window from the dispute's end.
    assert (shipped.state, shipped.settled_amount) == (Order.State.COMPLETED, None)
    assert shipped.dispute_window_ends_at == deadline + timedelta(days=15)

    sweep(shipped.dispute_window_ends_at)

    shipped.refresh_from_db()
    assert (shipped.state, shipped.settled_amount) == (Order.State.SETTLED, Decimal("35.00"))


def test_seller_silence_on_a_return_request_awaits_the_return_at_the_stores_address(
    shipped, t0, sweep, store
):
    dispute = open_dispute_for(shipped, at=t0, with_return=True)
    deadline = dispute.deadline_at

    sweep(deadline)

    dispute.refresh_from_db()
    assert dispute.state == S.AWAITING_RETURN
    assert (dispute.agreed_amount, dispute.agreed_return) == (Decimal("60.00"), True)
    assert dispute.return_address == store.return_address
    assert (dispute.deadline_at, dispute.deadline_party) == (deadline + timedelta(days=10), Party.BUYER)
    assert not dispute.refunds.exists()
    assert auto_events(dispute)[0].to_state == S.AWAITING_RETURN


def test_seller_silence_without_a_return_address_refunds_without_return(shipped, t0, sweep, store):
    store.return_address = ""
    store.save()
    dispute = open_dispute_for(shipped, at=t0, with_return=True)

    sweep(dispute.deadline_at)

    dispute.refresh_from_db()
    assert dispute.state == S.RESOLVED_BUYER
    assert (dispute.agreed_return, dispute.refund_amount) == (False, Decimal("60.00"))


def test_buyer_silence_withdraws_and_resumes_the_order_clock(shipped, t0, sweep):
    dispute = _buyer_silent(shipped, t0, None)

    sweep(dispute.deadline_at)

    dispute.refresh_from_db()
    assert (dispute.outcome, dispute.refund_amount) == (Dispute.Outcome.WITHDRAWN, Decimal("0.00"))
    shipped.refresh_from_db()
    assert not shipped.on_hold and shipped.state == Order.State.SHIPPED
    assert shipped.deadline_at == shipped.protection_ends_at


def test_a_return_not_shipped_in_time_resolves_for_the_seller_and_pays_them(shipped, t0, sweep):
    dispute = _return_not_shipped(shipped, t0, None)

    sweep(dispute.deadline_at)

    dispute.refresh_from_db()
    assert (dispute.outcome, dispute.refund_amount) == (Dispute.Outcome.NO_REFUND, Decimal("0.00"))
    assert not dispute.refunds.exists()
    shipped.refresh_from_db()
    assert (shipped.state, shipped.settled_amount) == (Order.State.SETTLED, Decimal("60.00"))


def test_an_unconfirmed_return_is_refunded_thirty_days_after_dispatch(shipped, t0, sweep):
    dispute = _return_not_confirmed(shipped, t0, None)
    assert dispute.deadline_at == dispute.return_shipped_at + timedelta(days=30)

    sweep(dispute.deadline_at)

    dispute.refresh_from_db()
    assert dispute.refund_amount == dispute.agreed_amount == Decimal("60.00")
    assert Refund.objects.get(dispute=dispute).status == Refund.Status.PAID


def test_an_unanswered_evidence_request_goes_back_to_the_mediator(shipped, t0, sweep, mediator):
    dispute = _evidence_not_provided(shipped, t0, mediator)

    sweep(dispute.deadline_at)

    dispute.refresh_from_db()
    assert dispute.evidence_requested_from == ""
    assert (dispute.deadline_party, dispute.deadline_kind) == (
        Party.MEDIATOR,
        Dispute.DeadlineKind.MEDIATION_TARGET,
    )
    assert dispute.deadline_at == dispute.escalated_at + timedelta(days=5)


def test_the_mediators_service_target_is_never_applied(shipped, t0, sweep, mediator, mailoutbox):
    dispute = _evidence_not_provided(shipped, t0, mediator)
    dispute = services.provide_evidence(
        dispute=dispute, user=shipped.store.owner, note="POD", files=[], now=t0 + 3 * DAY
    )
    target = dispute.deadline_at
    mailoutbox.clear()

    for at in (target - 48 * HOUR, target - SECOND, target, target + SECOND, target + 60 * DAY):
        sweep(at)

    dispute.refresh_from_db()
    assert (dispute.state, dispute.deadline_at) == (S.IN_MEDIATION, target)
    assert auto_events(dispute) == []
    assert not dispute.events.filter(type=DisputeEvent.Type.REMINDER_SENT).exists()
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (_seller_silent, [("request", "accepted")]),
        (_buyer_silent, [("request", "superseded"), ("counter_offer", "superseded")]),
    ],
    ids=["granted_request", "lapsed_offer"],
)
def test_an_automatic_outcome_settles_the_open_proposals_like_a_person_would(
    shipped, t0, sweep, build, expected
):
    dispute = build(shipped, t0, None)

    sweep(dispute.deadline_at)

    assert list(dispute.proposals.order_by("id").values_list("kind", "resolution")) == expected


def test_an_extended_deadline_applies_at_its_new_time(shipped, t0, sweep):
    dispute = _seller_silent(shipped, t0, None)
    old = dispute.deadline_at
    dispute = services.extend_deadline(dispute=dispute, user=shipped.buyer, days=5, now=t0 + DAY)

    sweep(old)
    dispute.refresh_from_db()
    assert dispute.state == S.AWAITING_SELLER
    sweep(dispute.deadline_at)

    dispute.refresh_from_db()
    assert dispute.state == S.RESOLVED_BUYER
    assert auto_events(dispute)[0].data["deadline"] == (old + timedelta(days=5)).isoformat()


def test_an_action_just_before_the_deadline_wins_over_the_clock(shipped, t0, sweep):
    dispute = _seller_silent(shipped, t0, None)
    deadline = dispute.deadline_at
    services.reject_request(
        dispute=dispute, seller=shipped.store.owner, note="No", evidence=[], now=deadline - SECOND
    )

    sweep(deadline)

    dispute.refresh_from_db()
    assert dispute.state == S.AWAITING_BUYER and auto_events(dispute) == []


# --- reminders ------------------------------------------------------------------------------------------
def test_reminders_go_48_and_24_hours_before_to_the_acting_party_once_each(due, scenario, sweep, mailoutbox):
    deadline = due.deadline_at
    acting = due.buyer if scenario.acting == Party.BUYER else due.store.owner

    sweep(deadline - 48 * HOUR - SECOND)
    assert reminders(mailoutbox, due) == []
    for at in (
        deadline - 48 * HOUR,
        deadline - 48 * HOUR,
        deadline - 30 * HOUR,
        deadline - 24 * HOUR - SECOND,
    ):
        sweep(at)
    assert [m.to for m in reminders(mailoutbox, due)] == [[acting.email]]
    for at in (deadline - 24 * HOUR, deadline - 24 * HOUR, deadline - HOUR, deadline - SECOND):
        sweep(at)

    sent = reminders(mailoutbox, due)
    assert [m.to for m in sent] == [[acting.email], [acting.email]]
    assert "48 hours left" in sent[0].body and "24 hours left" in sent[1].body
    assert selectors.deadline_sentence(due) in sent[1].body
    events = due.events.filter(type=DisputeEvent.Type.REMINDER_SENT).order_by("id")
    assert [(e.data["hours_left"], e.party, e.to_state, e.actor) for e in events] == [
        (48, scenario.acting, "", None),
        (24, scenario.acting, "", None),
    ]
    due.refresh_from_db()
    assert (due.reminders_sent, due.next_reminder_at) == (2, None)


def test_after_an_outage_only_the_latest_reminder_is_sent(due, sweep, mailoutbox):
    deadline = due.deadline_at

    sweep(deadline - 23 * HOUR)
    sweep(deadline - 22 * HOUR)
    sweep(deadline - SECOND)

    assert len(reminders(mailoutbox, due)) == 1
    (event,) = due.events.filter(type=DisputeEvent.Type.REMINDER_SENT)
    # It tells the time really left, not the 24 h it was meant to be sent at.
    assert event.data["hours_left"] == 23


def test_after_an_outage_past_the_deadline_no_reminder_is_sent(due, scenario, sweep, mailoutbox):
    sweep(due.deadline_at + 3 * HOUR)

    due.refresh_from_db()
    assert due.state == scenario.outcome
    assert reminders(mailoutbox, due) == []
    assert not due.events.filter(type=DisputeEvent.Type.REMINDER_SENT).exists()


def test_a_due_deadline_the_sweep_cannot_apply_is_not_reminded(due, sweep, monkeypatch, mailoutbox):
    # The deadline pass skips a dispute a party holds (here: one that fails), and the reminder
    # pass must not then claim it: its deadline has passed, so no reminder is due, only the outcome.
    def held(disputes, now):
        raise RuntimeError("a party holds this dispute")

    monkeypatch.setattr("disputes.services.clock.apply_dispute_deadlines", held)
    state, sent = due.state, due.reminders_sent

    swept = sweep(due.deadline_at)

    assert swept["disputes"] == 0
    due.refresh_from_db()
    assert (due.state, due.reminders_sent) == (state, sent)
    assert reminders(mailoutbox, due) == []


def test_an_outage_between_the_reminders_sends_the_second_one_late(due, sweep, mailoutbox):
    deadline = due.deadline_at
    sweep(deadline - 48 * HOUR)

    sweep(deadline - 2 * HOUR)
    sweep(deadline - HOUR)

    assert len(reminders(mailoutbox, due)) == 2


def test_an_extension_brings_fresh_reminders(shipped, t0, sweep, mailoutbox):
    dispute = _seller_silent(shipped, t0, None)
    old = dispute.deadline_at
    sweep(old - 48 * HOUR)
    sweep(old - 24 * HOUR)
    services.extend_deadline(dispute=dispute, user=shipped.buyer, days=3, now=old - 12 * HOUR)

    sweep(old)
    assert len(reminders(mailoutbox, dispute)) == 2
    sweep(old + DAY)
    sweep(old + 2 * DAY)

    assert len(reminders(mailoutbox, dispute)) == 4
    dispute.refresh_from_db()
    assert dispute.state == S.AWAITING_SELLER


def test_a_new_state_restarts_the_reminders(shipped, t0, sweep, mailoutbox):
    dispute = _seller_silent(shipped, t0, None)
    sweep(dispute.deadline_at - 24 * HOUR)
    dispute = services.counter_offer(
        dispute=dispute,
        seller=shipped.store.owner,
        amount=Decimal("10.00"),
        with_return=False,
        note="",
        evidence=[],
        now=dispute.deadline_at - 20 * HOUR,
    )
    assert (dispute.reminders_sent, dispute.next_reminder_at) == (0, dispute.deadline_at - 48 * HOUR)

    sweep(dispute.deadline_at - 48 * HOUR)

    assert [m.to for m in reminders(mailoutbox, dispute)] == [
        [shipped.store.owner.email],
        [shipped.buyer.email],
    ]


# --- the order clock around a dispute ---------------------------------------------------------------------
def test_an_order_with_an_open_dispute_is_never_auto_confirmed(shipped, t0, sweep):
    _in_mediation(shipped, t0)

    for at in (shipped.protection_ends_at, shipped.protection_ends_at + 90 * DAY):
        sweep(at)

    shipped.refresh_from_db()
    assert (shipped.state, shipped.on_hold, shipped.deadline_at) == (Order.State.SHIPPED, True, None)


def test_a_completed_order_with_an_open_dispute_is_never_settled(buyer, store, now, sweep):
    order = completed_order(paid_at=now, buyer=buyer, store=store)
    dispute = open_dispute_for(order, at=now + 6 * DAY, reason=Dispute.Reason.DAMAGED)
    services.reject_request(dispute=dispute, seller=store.owner, note="No", evidence=[], now=now + 7 * DAY)
    services.escalate_dispute(dispute=dispute, user=buyer, note="", now=now + 7 * DAY)

    for at in (order.dispute_window_ends_at, order.dispute_window_ends_at + 60 * DAY):
        sweep(at)

    order.refresh_from_db()
    assert (order.state, order.settled_amount) == (Order.State.COMPLETED, None)


def test_after_a_withdrawal_the_order_clock_resumes(shipped, t0, sweep):
    dispute = _in_mediation(shipped, t0)
    sweep(shipped.protection_ends_at + DAY)
    shipped.refresh_from_db()
    assert shipped.state == Order.State.SHIPPED

    services.withdraw_dispute(dispute=dispute, buyer=shipped.buyer, now=shipped.protection_ends_at + 2 * DAY)
    sweep(shipped.protection_ends_at + 2 * DAY)

    shipped.refresh_from_db()
    assert (shipped.state, shipped.confirmed_automatically) == (Order.State.COMPLETED, True)
    sweep(shipped.dispute_window_ends_at)
    shipped.refresh_from_db()
    assert (shipped.state, shipped.settled_amount) == (Order.State.SETTLED, Decimal("60.00"))


def test_after_a_partial_refund_the_remainder_is_settled_to_the_seller(buyer, store, now, sweep):
    order = completed_order(paid_at=now, buyer=buyer, store=store)
    dispute = open_dispute_for(
        order, at=now + 6 * DAY, reason=Dispute.Reason.MISSING_PARTS, amount=Decimal("12.50")
    )

    sweep(dispute.deadline_at)
    order.refresh_from_db()
    assert (order.state, order.settled_amount) == (Order.State.COMPLETED, None)

    sweep(order.dispute_window_ends_at)

    order.refresh_from_db()
    assert (order.state, order.settled_amount) == (Order.State.SETTLED, Decimal("47.50"))
    assert Refund.objects.get(order=order).amount == Decimal("12.50")


def test_after_a_full_refund_the_order_is_refunded_and_never_settled(shipped, t0, sweep):
    dispute = _seller_silent(shipped, t0, None)
    sweep(dispute.deadline_at)

    sweep(dispute.deadline_at + 90 * DAY)

    shipped.refresh_from_db()
    assert (shipped.state, shipped.settled_amount, shipped.deadline_at) == (
        Order.State.REFUNDED,
        Decimal("0.00"),
        None,
    )
    assert Refund.objects.filter(order=shipped).count() == 1


def test_one_sweep_applies_every_due_deadline_in_deadline_order(buyer, store, now, sweep):
    orders = [ship(OrderFactory(buyer=buyer, store=store, paid_at=now), at=now + DAY) for _ in range(3)]
    disputes = [
        open_dispute_for(order, at=now + timedelta(days=8, hours=i)) for i, order in enumerate(orders)
    ]

    applied = sweep(disputes[-1].deadline_at)

    assert applied["disputes"] == 3
    events = DisputeEvent.objects.filter(type=DisputeEvent.Type.AUTO_RESOLVED, dispute__in=disputes).order_by(
        "id"
    )
    assert [e.dispute_id for e in events] == [d.pk for d in disputes]
