"""The negotiation: every transition through its service, who may take it, and what it leaves."""

from datetime import timedelta
from decimal import Decimal

import pytest

from disputes import permissions, selectors, services
from disputes.models import Dispute, DisputeEvent, Party, Proposal
from orders.models import Carrier, Order, Refund
from tests.factories import evidence_files, open_dispute_for, ship

pytestmark = pytest.mark.django_db

S = Dispute.State
K = Dispute.DeadlineKind
DAY = timedelta(days=1)


@pytest.fixture
def opened_at(now):
    return now + timedelta(days=8)


@pytest.fixture
def dispute(order, now, opened_at):
    """A "not received" dispute on the whole order (60.00 USD), awaiting the seller."""
    order = ship(order, at=now + DAY)
    return open_dispute_for(order, at=opened_at, amount=Decimal("60.00"))


@pytest.fixture
def return_dispute(order, now, opened_at):
    """The same, asking for a refund after the item is sent back."""
    order = ship(order, at=now + DAY)
    return open_dispute_for(order, at=opened_at, amount=Decimal("60.00"), with_return=True)


@pytest.fixture
def step(django_capture_on_commit_callbacks, mailoutbox):
    """Run one service call that must take exactly one transition; return the dispute and the
    dispute e-mails it sent, after checking its single timeline event."""

    def run(service, *, dispute: Dispute, **kwargs):
        dispute.refresh_from_db()
        before = dispute.state
        transitions = list(dispute.events.exclude(to_state="").order_by("id"))
        sent = len(mailoutbox)
        with django_capture_on_commit_callbacks(execute=True):
            result = service(dispute=dispute, **kwargs)
        after = list(result.events.exclude(to_state="").order_by("id"))
        assert after[: len(transitions)] == transitions
        assert len(after) == len(transitions) + 1, "a transition writes exactly one event"
        assert (after[-1].from_state, after[-1].to_state) == (before, result.state)
        mails = [m for m in mailoutbox[sent:] if result.reference in m.subject]
        return result, mails

    return run


def unchanged(dispute: Dispute, service, error=services.ActionNotAllowed, **kwargs) -> Dispute:
    """The service refuses and the dispute, its proposals and its timeline stay as they were."""
    dispute.refresh_from_db()
    state, deadline = dispute.state, dispute.deadline_at
    events, proposals = (
        dispute.events.count(),
        list(dispute.proposals.order_by("id").values_list("id", "resolution")),
    )
    with pytest.raises(error):
        service(dispute=dispute, **kwargs)
    dispute.refresh_from_db()
    assert (dispute.state, dispute.deadline_at) == (state, deadline)
    assert dispute.events.count() == events
    assert list(dispute.proposals.order_by("id").values_list("id", "resolution")) == proposals
    return dispute


def mails_to(mails, user):
    return [m for m in mails if m.to == [user.email]]


def told_the_deadline(mails, user, dispute: Dispute) -> None:
    """``user`` got exactly one e-mail about the step, saying what happens at the deadline."""
    (mail,) = mails_to(mails, user)
    expected = (
        selectors.deadline_sentence(dispute) if dispute.is_open else selectors.outcome_sentence(dispute)
    )
    assert expected and expected in mail.body, mail.body


def resolutions(dispute: Dispute) -> list[tuple[str, str]]:
    return list(dispute.proposals.order_by("created_at", "id").values_list("kind", "resolution"))


def counter(dispute, seller, at, *, amount=Decimal("30.00"), with_return=False, note="Half, no return"):
    return services.counter_offer(
        dispute=dispute, seller=seller, amount=amount, with_return=with_return, note=note, evidence=[], now=at
    )


def reject(dispute, seller, at, note="It was delivered: see tracking"):
    return services.reject_request(dispute=dispute, seller=seller, note=note, evidence=[], now=at)


# --- the seller accepts ---------------------------------------------------------------------------------
def test_accepting_a_request_without_return_refunds_it(dispute, seller, buyer, opened_at, step):
    at = opened_at + DAY

    dispute, mails = step(services.accept_request, dispute=dispute, seller=seller, now=at)

    assert dispute.state == S.RESOLVED_BUYER
    assert dispute.agreed_amount == Decimal("60.00") and dispute.agreed_return is False
    assert dispute.outcome == Dispute.Outcome.FULL_REFUND and dispute.refund_amount == Decimal("60.00")
    assert dispute.deadline_at is None and dispute.closed_at == at
    assert dispute.seller_first_response_at == at
    refund = Refund.objects.get(dispute=dispute)
    assert (refund.amount, refund.status) == (Decimal("60.00"), Refund.Status.PAID)
    assert resolutions(dispute) == [(Proposal.Kind.REQUEST, Proposal.Resolution.ACCEPTED)]
    dispute.order.refresh_from_db()
    assert dispute.order.state == Order.State.REFUNDED
    told_the_deadline(mails, buyer, dispute)
    assert not mails_to(mails, seller)


def test_accepting_a_request_with_return_asks_the_buyer_to_ship_to_the_stores_address(
    return_dispute, seller, buyer, store, opened_at, step
):
    at = opened_at + DAY

    dispute, mails = step(services.accept_request, dispute=return_dispute, seller=seller, now=at)

    assert dispute.state == S.AWAITING_RETURN
    assert dispute.agreed_amount == Decimal("60.00") and dispute.agreed_return is True
    assert dispute.return_address == store.return_address
    assert (dispute.deadline_at, dispute.deadline_party, dispute.deadline_kind) == (
        at + timedelta(days=10),
        Party.BUYER,
        K.RESOLVE_FOR_SELLER,
    )
    assert not Refund.objects.filter(dispute=dispute).exists()
    told_the_deadline(mails, buyer, dispute)
    assert "closes in the seller's favour" in mails_to(mails, buyer)[0].body


def test_a_return_cannot_be_agreed_without_a_return_address(return_dispute, seller, store, opened_at):
    store.return_address = "  "
    store.save()

    unchanged(return_dispute, services.accept_request, seller=seller, now=opened_at + DAY)


def test_only_the_seller_may_accept_and_only_while_awaiting_the_seller(
    dispute, buyer, seller, other_seller, other_buyer, mediator, opened_at
):
    for user in (buyer, other_seller, other_buyer, mediator):
        unchanged(dispute, services.accept_request, seller=user, now=opened_at + DAY)
    counter(dispute, seller, opened_at + DAY)

    unchanged(dispute, services.accept_request, seller=seller, now=opened_at + 2 * DAY)


# --- counter-offers and rejections ------------------------------------------------------------------------
def test_a_counter_offer_hands_the_buyer_seven_days(dispute, seller, buyer, opened_at, step):
    at = opened_at + DAY

    dispute, mails = step(
        services.counter_offer,
        dispute=dispute,
        seller=seller,
        amount=Decimal("30.00"),
        with_return=False,
        note=" Half now ",
        evidence=[],
        now=at,
    )

    assert dispute.state == S.AWAITING_BUYER and dispute.seller_disagreed
    assert (dispute.deadline_at, dispute.deadline_party, dispute.deadline_kind) == (
        at + timedelta(days=7),
        Party.BUYER,
        K.WITHDRAW,
    )
    offer = services.latest_counter_offer(dispute)
    assert (offer.party, offer.amount, offer.with_return, offer.note) == (
        "seller",
        Decimal("30.00"),
        False,
        "Half now",
    )
    assert resolutions(dispute) == [
        (Proposal.Kind.REQUEST, Proposal.Resolution.SUPERSEDED),
        (Proposal.Kind.COUNTER_OFFER, Proposal.Resolution.OPEN),
    ]
    event = dispute.events.get(type=DisputeEvent.Type.COUNTER_OFFERED)
    assert event.data["amount"] == "30.00" and event.actor == seller
    told_the_deadline(mails, buyer, dispute)


def test_a_counter_offer_with_evidence_records_the_files(dispute, seller, opened_at):
    services.counter_offer(
        dispute=dispute,
        seller=seller,
        amount=Decimal("20.00"),
        with_return=False,
        note="",
        evidence=evidence_files("label.jpg", "scale.jpg"),
        now=opened_at + DAY,
    )

    assert sorted(dispute.evidence.values_list("party", "original_name")) == [
        ("seller", "label.jpg"),
        ("seller", "scale.jpg"),
    ]
    added = dispute.events.get(type=DisputeEvent.Type.EVIDENCE_ADDED)
    assert added.to_state == "" and len(added.data["files"]) == 2


@pytest.mark.parametrize("amount", [Decimal("0.00"), Decimal("-1.00"), Decimal("60.01")])
def test_a_counter_offer_must_be_a_refundable_amount(dispute, seller, opened_at, amount):
    unchanged(
        dispute,
        services.counter_offer,
        services.AmountNotAllowed,
        seller=seller,
        amount=amount,
        with_return=False,
        note="",
        evidence=[],
        now=opened_at + DAY,
    )


def test_a_counter_offer_with_return_needs_a_return_address(dispute, seller, store, opened_at):
    store.return_address = ""
    store.save()

    unchanged(
        dispute,
        services.counter_offer,
        seller=seller,
        amount=Decimal("60.00"),
        with_return=True,
        note="",
        evidence=[],
        now=opened_at + DAY,
    )


def test_a_counter_offer_with_return_writes_the_address_into_the_dispute(dispute, seller, store, opened_at):
    dispute = counter(dispute, seller, opened_at + DAY, amount=Decimal("60.00"), with_return=True)
    store.return_address = "Somewhere else entirely"
    store.save()

    dispute.refresh_from_db()
    assert dispute.return_address == "Returns dept., 1 Warehouse Road, Shenzhen, China"


def test_only_the_seller_may_counter_offer(dispute, buyer, other_seller, mediator, opened_at):
    for user in (buyer, other_seller, mediator):
        unchanged(
            dispute,
            services.counter_offer,
            seller=user,
            amount=Decimal("10.00"),
            with_return=False,
            note="",
            evidence=[],
            now=opened_at + DAY,
        )


def test_a_rejection_needs_a_reason(dispute, seller, opened_at):
    for note in ("", "   \n "):
        unchanged(
            dispute, services.reject_request, seller=seller, note=note, evidence=[], now=opened_at + DAY
        )


def test_a_rejection_with_a_reason_hands_the_buyer_seven_days(dispute, seller, buyer, opened_at, step):
    at = opened_at + DAY

    dispute, mails = step(
        services.reject_request, dispute=dispute, seller=seller, note="Signed for", evidence=[], now=at
    )

    assert dispute.state == S.AWAITING_BUYER and dispute.seller_disagreed
    assert dispute.deadline_at == at + timedelta(days=7) and dispute.deadline_party == Party.BUYER
    assert resolutions(dispute)[-1] == (Proposal.Kind.REJECTION, Proposal.Resolution.OPEN)
    assert dispute.events.get(type=DisputeEvent.Type.REJECTED).note == "Signed for"
    told_the_deadline(mails, buyer, dispute)


def test_only_the_seller_may_reject(dispute, buyer, other_seller, opened_at):
    for user in (buyer, other_seller):
        unchanged(dispute, services.reject_request, seller=user, note="no", evidence=[], now=opened_at + DAY)


# --- the buyer answers ------------------------------------------------------------------------------------
def test_accepting_an_offer_locks_its_terms_and_refunds_part(dispute, seller, buyer, opened_at, step):
    counter(dispute, seller, opened_at + DAY)

    dispute, mails = step(services.accept_offer, dispute=dispute, buyer=buyer, now=opened_at + 2 * DAY)

    assert dispute.state == S.RESOLVED_BUYER
    assert dispute.agreed_amount == Decimal("30.00") and dispute.agreed_return is False
    assert dispute.outcome == Dispute.Outcome.PARTIAL_REFUND and dispute.refund_amount == Decimal("30.00")
    assert resolutions(dispute) == [
        (Proposal.Kind.REQUEST, Proposal.Resolution.SUPERSEDED),
        (Proposal.Kind.COUNTER_OFFER, Proposal.Resolution.ACCEPTED),
    ]
    assert Refund.objects.get(dispute=dispute).amount == Decimal("30.00")
    told_the_deadline(mails, seller, dispute)


def test_an_accepted_offer_with_return_cannot_be_changed_or_withdrawn(
    dispute, seller, buyer, opened_at, step
):
    counter(dispute, seller, opened_at + DAY, amount=Decimal("45.00"), with_return=True)

    dispute, mails = step(services.accept_offer, dispute=dispute, buyer=buyer, now=opened_at + 2 * DAY)

    assert dispute.state == S.AWAITING_RETURN
    assert (dispute.agreed_amount, dispute.agreed_return) == (Decimal("45.00"), True)
    told_the_deadline(mails, seller, dispute)
    at = opened_at + 3 * DAY
    unchanged(dispute, services.withdraw_dispute, buyer=buyer, now=at)
    unchanged(
        dispute,
        services.modify_request,
        buyer=buyer,
        amount=Decimal("60.00"),
        with_return=False,
        note="",
        now=at,
    )
    unchanged(dispute, services.accept_offer, buyer=buyer, now=at)
    unchanged(dispute, services.accept_request, seller=seller, now=at)
    dispute.refresh_from_db()
    assert dispute.agreed_amount == Decimal("45.00")


def test_there_is_no_offer_to_accept_after_a_rejection(dispute, seller, buyer, opened_at):
    reject(dispute, seller, opened_at + DAY)

    unchanged(dispute, services.accept_offer, buyer=buyer, now=opened_at + 2 * DAY)


def test_only_the_buyer_may_accept_an_offer(dispute, seller, other_buyer, opened_at):
    counter(dispute, seller, opened_at + DAY)

    for user in (seller, other_buyer):
        unchanged(dispute, services.accept_offer, buyer=user, now=opened_at + 2 * DAY)


def test_an_offer_can_only_be_accepted_while_awaiting_the_buyer(dispute, buyer, opened_at):
    unchanged(dispute, services.accept_offer, buyer=buyer, now=opened_at + DAY)


def test_a_modified_request_goes_back_to_the_seller_for_fifteen_days(dispute, seller, buyer, opened_at, step):
    counter(dispute, seller, opened_at + DAY)
    at = opened_at + 2 * DAY

    dispute, mails = step(
        services.modify_request,
        dispute=dispute,
        buyer=buyer,
        amount=Decimal("50.00"),
        with_return=False,
        note="Meet me halfway",
        now=at,
    )

    assert dispute.state == S.AWAITING_SELLER
    assert (dispute.requested_amount, dispute.requested_return) == (Decimal("50.00"), False)
    assert (dispute.deadline_at, dispute.deadline_party, dispute.deadline_kind) == (
        at + timedelta(days=15),
        Party.SELLER,
        K.GRANT_REQUEST,
    )
    assert resolutions(dispute) == [
        (Proposal.Kind.REQUEST, Proposal.Resolution.SUPERSEDED),
        (Proposal.Kind.COUNTER_OFFER, Proposal.Resolution.SUPERSEDED),
        (Proposal.Kind.MODIFICATION, Proposal.Resolution.OPEN),
    ]
    told_the_deadline(mails, seller, dispute)


def test_a_modified_request_accepted_by_the_seller_is_what_gets_refunded(dispute, seller, buyer, opened_at):
    reject(dispute, seller, opened_at + DAY)
    services.modify_request(
        dispute=dispute,
        buyer=buyer,
        amount=Decimal("40.00"),
        with_return=False,
        note="",
        now=opened_at + 2 * DAY,
    )

    dispute = services.accept_request(dispute=dispute, seller=seller, now=opened_at + 3 * DAY)

    assert dispute.refund_amount == Decimal("40.00")
    assert resolutions(dispute)[-1] == (Proposal.Kind.MODIFICATION, Proposal.Resolution.ACCEPTED)


@pytest.mark.parametrize("amount", [Decimal("0.00"), Decimal("60.01")])
def test_a_modified_request_must_be_a_refundable_amount(dispute, seller, buyer, opened_at, amount):
    counter(dispute, seller, opened_at + DAY)

    unchanged(
        dispute,
        services.modify_request,
        services.AmountNotAllowed,
        buyer=buyer,
        amount=amount,
        with_return=False,
        note="",
        now=opened_at + 2 * DAY,
    )


def test_only_the_buyer_may_modify_and_only_while_awaiting_the_buyer(
    dispute, seller, buyer, other_buyer, opened_at
):
    unchanged(
        dispute,
        services.modify_request,
        buyer=buyer,
        amount=Decimal("5.00"),
        with_return=False,
        note="",
        now=opened_at,
    )
    counter(dispute, seller, opened_at + DAY)

    for user in (seller, other_buyer):
        unchanged(
            dispute,
            services.modify_request,
            buyer=user,
            amount=Decimal("5.00"),
            with_return=False,
            note="",
            now=opened_at + 2 * DAY,
        )


def test_a_change_of_mind_cannot_be_modified_into_a_refund_without_return(buyer, store, seller, now):
    from tests.factories import OrderFactory, confirm, deliver

    order = confirm(
        deliver(ship(OrderFactory(buyer=buyer, store=store, paid_at=now), at=now + DAY), at=now + 4 * DAY),
        at=now + 5 * DAY,
    )
    dispute = open_dispute_for(order, at=now + 6 * DAY, reason=Dispute.Reason.CHANGED_MIND, with_return=True)
    reject(dispute, seller, now + 7 * DAY)

    unchanged(
        dispute,
        services.modify_request,
        buyer=buyer,
        amount=Decimal("60.00"),
        with_return=False,
        note="",
        now=now + 8 * DAY,
    )


# --- escalation -------------------------------------------------------------------------------------------
def test_nobody_can_escalate_before_the_seller_disagreed(dispute, buyer, seller, opened_at):
    for user in (buyer, seller):
        unchanged(dispute, services.escalate_dispute, user=user, note="", now=opened_at + DAY)


def test_the_buyer_escalates_after_a_counter_offer(dispute, seller, buyer, opened_at, step):
    counter(dispute, seller, opened_at + DAY)
    at = opened_at + 2 * DAY

    dispute, mails = step(services.escalate_dispute, dispute=dispute, user=buyer, note="Not enough", now=at)

    assert dispute.state == S.IN_MEDIATION
    assert (dispute.escalated_at, dispute.escalated_by) == (at, Party.BUYER)
    assert (dispute.deadline_at, dispute.deadline_party, dispute.deadline_kind) == (
        at + timedelta(days=5),
        Party.MEDIATOR,
        K.MEDIATION_TARGET,
    )
    assert dispute.next_reminder_at is None
    told_the_deadline(mails, seller, dispute)


def test_the_seller_escalates_after_rejecting(dispute, seller, opened_at, step):
    reject(dispute, seller, opened_at + DAY)

    dispute, _mails = step(
        services.escalate_dispute, dispute=dispute, user=seller, note="", now=opened_at + 2 * DAY
    )

    assert dispute.state == S.IN_MEDIATION and dispute.escalated_by == Party.SELLER


def test_escalation_stays_open_after_the_buyer_modified_the_request(dispute, seller, buyer, opened_at):
    reject(dispute, seller, opened_at + DAY)
    services.modify_request(
        dispute=dispute,
        buyer=buyer,
        amount=Decimal("50.00"),
        with_return=False,
        note="",
        now=opened_at + 2 * DAY,
    )

    dispute = services.escalate_dispute(dispute=dispute, user=buyer, note="", now=opened_at + 3 * DAY)

    assert dispute.state == S.IN_MEDIATION


def test_only_the_parties_escalate_and_only_once(dispute, seller, buyer, other_buyer, mediator, opened_at):
    counter(dispute, seller, opened_at + DAY)
    for user in (other_buyer, mediator):
        unchanged(dispute, services.escalate_dispute, user=user, note="", now=opened_at + 2 * DAY)
    services.escalate_dispute(dispute=dispute, user=buyer, note="", now=opened_at + 2 * DAY)

    for user in (buyer, seller):
        unchanged(dispute, services.escalate_dispute, user=user, note="", now=opened_at + 3 * DAY)


# --- withdrawal -------------------------------------------------------------------------------------------
def test_withdrawing_closes_without_refund_and_resumes_the_orders_clock(
    dispute, buyer, seller, opened_at, step
):
    dispute, mails = step(services.withdraw_dispute, dispute=dispute, buyer=buyer, now=opened_at + DAY)

    assert dispute.state == S.WITHDRAWN
    assert (dispute.outcome, dispute.refund_amount, dispute.deadline_at) == (
        Dispute.Outcome.WITHDRAWN,
        Decimal("0.00"),
        None,
    )
    assert resolutions(dispute) == [(Proposal.Kind.REQUEST, Proposal.Resolution.SUPERSEDED)]
    assert not Refund.objects.filter(dispute=dispute).exists()
    order = dispute.order
    order.refresh_from_db()
    assert not order.on_hold and order.state == Order.State.SHIPPED
    assert order.deadline_at == order.protection_ends_at
    told_the_deadline(mails, seller, dispute)


@pytest.mark.parametrize("stage", ["awaiting_buyer", "in_mediation", "evidence_requested"])
def test_the_buyer_may_withdraw_until_an_agreement(dispute, seller, buyer, mediator, opened_at, stage):
    counter(dispute, seller, opened_at + DAY)
    if stage != "awaiting_buyer":
        services.escalate_dispute(dispute=dispute, user=buyer, note="", now=opened_at + DAY)
    if stage == "evidence_requested":
        services.request_evidence(
            dispute=dispute,
            mediator=mediator,
            party=Party.BUYER,
            note="Photo of the parcel",
            due_at=opened_at + 5 * DAY,
            now=opened_at + DAY,
        )
    dispute.refresh_from_db()
    assert dispute.state == stage

    dispute = services.withdraw_dispute(dispute=dispute, buyer=buyer, now=opened_at + 2 * DAY)

    assert dispute.state == S.WITHDRAWN


def test_an_agreed_return_reported_as_a_problem_cannot_be_withdrawn(in_transit, seller, buyer, opened_at):
    services.report_return_problem(
        dispute=in_transit, seller=seller, note="Empty box", evidence=[], now=opened_at + 3 * DAY
    )

    unchanged(in_transit, services.withdraw_dispute, buyer=buyer, now=opened_at + 4 * DAY)


def test_only_the_buyer_may_withdraw(dispute, seller, other_buyer, mediator, opened_at):
    for user in (seller, other_buyer, mediator):
        unchanged(dispute, services.withdraw_dispute, buyer=user, now=opened_at + DAY)


def test_a_closed_dispute_cannot_be_withdrawn(dispute, seller, buyer, opened_at):
    services.accept_request(dispute=dispute, seller=seller, now=opened_at + DAY)

    unchanged(dispute, services.withdraw_dispute, buyer=buyer, now=opened_at + 2 * DAY)


# --- the return -------------------------------------------------------------------------------------------
@pytest.fixture
def awaiting_return(return_dispute, seller, opened_at):
    return services.accept_request(dispute=return_dispute, seller=seller, now=opened_at + DAY)


def test_shipping_the_return_gives_the_seller_thirty_days_from_dispatch(
    awaiting_return, buyer, seller, opened_at, step
):
    at = opened_at + 3 * DAY

    dispute, mails = step(
        services.ship_return,
        dispute=awaiting_return,
        buyer=buyer,
        carrier=Carrier.CHINA_POST,
        tracking_number=" RR123456785CN ",
        now=at,
    )

    assert dispute.state == S.RETURN_IN_TRANSIT
    assert (dispute.return_carrier, dispute.return_tracking_number, dispute.return_shipped_at) == (
        Carrier.CHINA_POST,
        "RR123456785CN",
        at,
    )
    assert (dispute.deadline_at, dispute.deadline_party, dispute.deadline_kind) == (
        at + timedelta(days=30),
        Party.SELLER,
        K.REFUND_ANYWAY,
    )
    told_the_deadline(mails, seller, dispute)


def test_only_the_buyer_ships_the_return_and_only_when_one_is_awaited(
    awaiting_return, dispute_for_other_order, seller, buyer, opened_at
):
    unchanged(
        awaiting_return,
        services.ship_return,
        buyer=seller,
        carrier=Carrier.DHL,
        tracking_number="JD0123456789",
        now=opened_at + 2 * DAY,
    )
    unchanged(
        dispute_for_other_order,
        services.ship_return,
        buyer=dispute_for_other_order.buyer,
        carrier=Carrier.DHL,
        tracking_number="JD0123456789",
        now=opened_at + 2 * DAY,
    )


@pytest.fixture
def dispute_for_other_order(other_store, other_buyer, now):
    from tests.factories import OrderFactory

    order = ship(OrderFactory(buyer=other_buyer, store=other_store, paid_at=now), at=now + DAY)
    return open_dispute_for(order, at=now + 8 * DAY)


@pytest.fixture
def in_transit(awaiting_return, buyer, opened_at):
    return services.ship_return(
        dispute=awaiting_return,
        buyer=buyer,
        carrier=Carrier.DHL,
        tracking_number="JD0123456789",
        now=opened_at + 2 * DAY,
    )


def test_confirming_the_return_refunds_the_agreed_amount(in_transit, seller, buyer, opened_at, step):
    at = opened_at + 6 * DAY

    dispute, mails = step(services.confirm_return_received, dispute=in_transit, seller=seller, now=at)

    assert dispute.state == S.RESOLVED_BUYER and dispute.return_received_at == at
    assert dispute.refund_amount == dispute.agreed_amount == Decimal("60.00")
    refund = Refund.objects.get(dispute=dispute)
    assert (refund.amount, refund.status) == (Decimal("60.00"), Refund.Status.PAID)
    told_the_deadline(mails, buyer, dispute)


def test_only_the_seller_confirms_the_return(in_transit, buyer, other_seller, opened_at):
    for user in (buyer, other_seller):
        unchanged(in_transit, services.confirm_return_received, seller=user, now=opened_at + 3 * DAY)


def test_a_return_cannot_be_confirmed_before_it_is_shipped(awaiting_return, seller, opened_at):
    unchanged(awaiting_return, services.confirm_return_received, seller=seller, now=opened_at + 2 * DAY)


def test_a_problem_with_the_return_goes_to_mediation(in_transit, seller, buyer, opened_at, step):
    at = opened_at + 4 * DAY

    dispute, mails = step(
        services.report_return_problem,
        dispute=in_transit,
        seller=seller,
        note="Box was empty",
        evidence=[],
        now=at,
    )

    assert dispute.state == S.IN_MEDIATION
    assert (dispute.escalated_at, dispute.escalated_by) == (at, Party.SELLER)
    assert dispute.deadline_kind == K.MEDIATION_TARGET
    assert not Refund.objects.filter(dispute=dispute).exists()
    told_the_deadline(mails, buyer, dispute)


def test_a_return_problem_needs_a_description_and_the_seller(in_transit, seller, buyer, opened_at):
    unchanged(
        in_transit,
        services.report_return_problem,
        seller=seller,
        note=" ",
        evidence=[],
        now=opened_at + 3 * DAY,
    )
    unchanged(
        in_transit,
        services.report_return_problem,
        seller=buyer,
        note="x",
        evidence=[],
        now=opened_at + 3 * DAY,
    )


# --- evidence ---------------------------------------------------------------------------------------------
def test_either_party_adds_evidence_while_the_dispute_is_open(dispute, buyer, seller, opened_at):
    services.add_evidence(
        dispute=dispute, user=buyer, files=evidence_files("a.jpg"), note=" box ", now=opened_at
    )
    services.add_evidence(dispute=dispute, user=seller, files=evidence_files("b.jpg"), note="", now=opened_at)

    assert sorted(dispute.evidence.values_list("party", "original_name")) == [
        ("buyer", "a.jpg"),
        ("seller", "b.jpg"),
    ]
    events = dispute.events.filter(type=DisputeEvent.Type.EVIDENCE_ADDED).order_by("id")
    assert [(e.party, e.note, e.to_state) for e in events] == [("buyer", "box", ""), ("seller", "", "")]
    dispute.refresh_from_db()
    assert dispute.state == S.AWAITING_SELLER


def test_strangers_and_mediators_cannot_add_evidence(dispute, other_buyer, other_seller, mediator, opened_at):
    for user in (other_buyer, other_seller, mediator):
        with pytest.raises(services.ActionNotAllowed):
            services.add_evidence(dispute=dispute, user=user, files=evidence_files(), note="", now=opened_at)
    assert not dispute.evidence.exists()


def test_evidence_needs_a_file_and_an_open_dispute(dispute, buyer, opened_at):
    with pytest.raises(services.ActionNotAllowed):
        services.add_evidence(dispute=dispute, user=buyer, files=[], note="see chat", now=opened_at)
    services.withdraw_dispute(dispute=dispute, buyer=buyer, now=opened_at + DAY)

    with pytest.raises(services.ActionNotAllowed):
        services.add_evidence(
            dispute=dispute, user=buyer, files=evidence_files(), note="", now=opened_at + DAY
        )
    assert not dispute.evidence.exists()


# --- extending a deadline ---------------------------------------------------------------------------------
def test_the_buyer_gives_the_silent_seller_more_time_once(
    dispute, buyer, seller, opened_at, django_capture_on_commit_callbacks, mailoutbox
):
    deadline = dispute.deadline_at
    at = opened_at + DAY

    with django_capture_on_commit_callbacks(execute=True):
        dispute = services.extend_deadline(dispute=dispute, user=buyer, days=7, now=at)

    assert dispute.deadline_at == deadline + timedelta(days=7) and dispute.deadline_extended
    assert (dispute.reminders_sent, dispute.next_reminder_at) == (
        0,
        dispute.deadline_at - timedelta(hours=48),
    )
    assert dispute.state == S.AWAITING_SELLER
    event = dispute.events.get(type=DisputeEvent.Type.DEADLINE_EXTENDED)
    assert (event.to_state, event.party, event.data["days"]) == ("", "buyer", 7)
    assert [m.to for m in mailoutbox if dispute.reference in m.subject] == [[seller.email]]
    with pytest.raises(services.ExtensionNotAllowed):
        services.extend_deadline(dispute=dispute, user=buyer, days=1, now=at)
    dispute.refresh_from_db()
    assert dispute.deadline_at == deadline + timedelta(days=7)


def test_the_party_under_the_deadline_cannot_extend_it(dispute, seller, other_buyer, mediator, opened_at):
    for user in (seller, other_buyer, mediator):
        with pytest.raises(services.ExtensionNotAllowed):
            services.extend_deadline(dispute=dispute, user=user, days=3, now=opened_at + DAY)
    dispute.refresh_from_db()
    assert not dispute.deadline_extended


def test_the_seller_gives_the_buyer_more_time_to_answer_an_offer(dispute, seller, buyer, opened_at):
    dispute = counter(dispute, seller, opened_at + DAY)
    assert not permissions.can_extend_deadline(dispute, buyer)

    dispute = services.extend_deadline(dispute=dispute, user=seller, days=3, now=opened_at + 2 * DAY)

    assert dispute.deadline_at == opened_at + DAY + timedelta(days=7 + 3)


def test_a_new_deadline_can_be_extended_again(dispute, seller, buyer, opened_at):
    services.extend_deadline(dispute=dispute, user=buyer, days=2, now=opened_at)
    dispute = counter(dispute, seller, opened_at + DAY)

    assert not dispute.deadline_extended
    assert permissions.can_extend_deadline(dispute, seller)


def test_the_buyer_extends_the_sellers_return_confirmation(in_transit, buyer, seller, opened_at):
    assert permissions.can_extend_deadline(in_transit, buyer)
    assert not permissions.can_extend_deadline(in_transit, seller)

    dispute = services.extend_deadline(dispute=in_transit, user=buyer, days=15, now=opened_at + 3 * DAY)

    assert dispute.deadline_at == opened_at + 2 * DAY + timedelta(days=30 + 15)


def test_the_seller_extends_the_buyers_return_shipment(awaiting_return, seller, buyer):
    assert permissions.can_extend_deadline(awaiting_return, seller)
    assert not permissions.can_extend_deadline(awaiting_return, buyer)


@pytest.mark.parametrize("days", [0, -1, 16])
def test_an_extension_is_between_one_and_fifteen_days(dispute, buyer, opened_at, days):
    with pytest.raises(services.ExtensionNotAllowed):
        services.extend_deadline(dispute=dispute, user=buyer, days=days, now=opened_at)
    dispute.refresh_from_db()
    assert not dispute.deadline_extended


@pytest.mark.parametrize("days", [1, 15])
def test_an_extension_of_one_or_fifteen_days_is_allowed(dispute, buyer, opened_at, days):
    deadline = dispute.deadline_at

    dispute = services.extend_deadline(dispute=dispute, user=buyer, days=days, now=opened_at)

    assert dispute.deadline_at == deadline + timedelta(days=days)


def test_a_deadline_that_has_passed_cannot_be_extended(dispute, buyer):
    with pytest.raises(services.DeadlinePassed, match="the buyer's request was accepted as asked"):
        services.extend_deadline(dispute=dispute, user=buyer, days=3, now=dispute.deadline_at)

    dispute.refresh_from_db()
    assert dispute.state == S.RESOLVED_BUYER
    assert not dispute.events.filter(type=DisputeEvent.Type.DEADLINE_EXTENDED).exists()


def test_nobody_extends_the_mediators_deadlines(dispute, seller, buyer, mediator, opened_at):
    reject(dispute, seller, opened_at + DAY)
    dispute = services.escalate_dispute(dispute=dispute, user=buyer, note="", now=opened_at + DAY)

    assert not any(permissions.can_extend_deadline(dispute, user) for user in (buyer, seller, mediator))
    dispute = services.request_evidence(
        dispute=dispute,
        mediator=mediator,
        party=Party.SELLER,
        note="Proof",
        due_at=opened_at + 6 * DAY,
        now=opened_at + 2 * DAY,
    )
    assert not any(permissions.can_extend_deadline(dispute, user) for user in (buyer, seller, mediator))
