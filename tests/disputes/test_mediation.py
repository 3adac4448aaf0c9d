"""Mediation: taking a case, asking for evidence, deciding, and the buyer blacklist."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission

from disputes import selectors, services
from disputes.models import BuyerStanding, BuyerStandingChange, Dispute, DisputeEvent, Party, Proposal
from orders.models import Order, Refund
from portal import deadlines
from portal.accounts.roles import MEDIATORS_GROUP
from tests.factories import evidence_files, mediator_user, open_dispute_for, ship

pytestmark = pytest.mark.django_db

S = Dispute.State
D = services.Decision
DAY = timedelta(days=1)


@pytest.fixture
def escalated_at(now):
    return now + timedelta(days=10)


@pytest.fixture
def dispute(order, now, seller, buyer, escalated_at):
    """Rejected by the seller and escalated by the buyer: in mediation, 60.00 USD at stake."""
    order = ship(order, at=now + DAY)
    dispute = open_dispute_for(order, at=now + timedelta(days=8), amount=Decimal("60.00"))
    services.reject_request(
        dispute=dispute, seller=seller, note="Delivered", evidence=[], now=now + timedelta(days=9)
    )
    return services.escalate_dispute(dispute=dispute, user=buyer, note="Never came", now=escalated_at)


def without_permission(codename: str) -> None:
    """Take one permission away from the Mediators group (rolled back with the test)."""
    Group.objects.get(name=MEDIATORS_GROUP).permissions.remove(
        Permission.objects.get(content_type__app_label="disputes", codename=codename)
    )


def transition_events(dispute: Dispute) -> list[DisputeEvent]:
    return list(dispute.events.exclude(to_state="").order_by("id"))


def refused(dispute: Dispute, service, error=services.ActionNotAllowed, **kwargs) -> None:
    dispute.refresh_from_db()
    state, events, refunds = dispute.state, dispute.events.count(), dispute.refunds.count()
    with pytest.raises(error):
        service(dispute=dispute, **kwargs)
    dispute.refresh_from_db()
    assert (dispute.state, dispute.events.count(), dispute.refunds.count()) == (state, events, refunds)


# --- assignment ------------------------------------------------------------------------------------------
def test_a_mediator_takes_the_case(dispute, mediator, escalated_at):
    dispute = services.assign_to_mediator(dispute=dispute, mediator=mediator, now=escalated_at + DAY)

    assert dispute.assigned_mediator == mediator
    event = dispute.events.get(type=DisputeEvent.Type.ASSIGNED)
    assert (event.actor, event.party, event.to_state) == (mediator, Party.MEDIATOR, "")


def test_taking_the_same_case_twice_records_it_once(dispute, mediator, escalated_at):
    services.assign_to_mediator(dispute=dispute, mediator=mediator, now=escalated_at + DAY)
    services.assign_to_mediator(dispute=dispute, mediator=mediator, now=escalated_at + 2 * DAY)

    assert dispute.events.filter(type=DisputeEvent.Type.ASSIGNED).count() == 1


def test_another_mediator_can_take_over(dispute, mediator, escalated_at):
    colleague = mediator_user()
    services.assign_to_mediator(dispute=dispute, mediator=mediator, now=escalated_at + DAY)

    dispute = services.assign_to_mediator(dispute=dispute, mediator=colleague, now=escalated_at + 2 * DAY)

    assert dispute.assigned_mediator == colleague
    assert dispute.events.filter(type=DisputeEvent.Type.ASSIGNED).count() == 2


def test_deciding_an_unassigned_case_assigns_it_to_the_decider(dispute, mediator, escalated_at):
    dispute = services.decide_dispute(
        dispute=dispute, mediator=mediator, decision=D.REJECT, amount=None, note="r", now=escalated_at + DAY
    )

    assert dispute.assigned_mediator == mediator == dispute.decided_by
    types = list(dispute.events.order_by("id").values_list("type", "actor"))
    assert types[-2:] == [(DisputeEvent.Type.ASSIGNED, mediator.pk), (DisputeEvent.Type.DECIDED, mediator.pk)]


def test_deciding_a_colleagues_case_takes_it_over_and_ones_own_adds_no_assignment(
    dispute, mediator, escalated_at
):
    colleague = mediator_user()
    services.assign_to_mediator(dispute=dispute, mediator=colleague, now=escalated_at + DAY)

    dispute = services.decide_dispute(
        dispute=dispute, mediator=mediator, decision=D.REJECT, amount=None, note="r", now=escalated_at + DAY
    )

    assert dispute.assigned_mediator == mediator
    assert list(
        dispute.events.filter(type=DisputeEvent.Type.ASSIGNED).order_by("id").values_list("actor", flat=True)
    ) == [colleague.pk, mediator.pk]


def test_deciding_ones_own_case_records_no_second_assignment(dispute, mediator, escalated_at):
    services.assign_to_mediator(dispute=dispute, mediator=mediator, now=escalated_at + DAY)

    services.decide_dispute(
        dispute=dispute, mediator=mediator, decision=D.REJECT, amount=None, note="r", now=escalated_at + DAY
    )

    assert dispute.events.filter(type=DisputeEvent.Type.ASSIGNED).count() == 1


def test_only_mediators_take_cases_and_only_in_mediation(
    dispute, staff_non_mediator, buyer, mediator, escalated_at
):
    for user in (staff_non_mediator, buyer):
        with pytest.raises(services.ActionNotAllowed):
            services.assign_to_mediator(dispute=dispute, mediator=user, now=escalated_at)
    services.withdraw_dispute(dispute=dispute, buyer=buyer, now=escalated_at + DAY)

    with pytest.raises(services.ActionNotAllowed):
        services.assign_to_mediator(dispute=dispute, mediator=mediator, now=escalated_at + DAY)
    dispute.refresh_from_db()
    assert dispute.assigned_mediator is None


# --- evidence requests ------------------------------------------------------------------------------------
@pytest.mark.parametrize("party", [Party.BUYER, Party.SELLER])
def test_a_mediator_asks_a_party_for_evidence_by_a_due_date(
    dispute, mediator, escalated_at, party, django_capture_on_commit_callbacks, mailoutbox
):
    at = escalated_at + DAY
    due = at + timedelta(days=5)

    with django_capture_on_commit_callbacks(execute=True):
        dispute = services.request_evidence(
            dispute=dispute, mediator=mediator, party=party, note=" Photo of the label ", due_at=due, now=at
        )

    assert dispute.state == S.EVIDENCE_REQUESTED
    assert (dispute.evidence_requested_from, dispute.evidence_request_note) == (party, "Photo of the label")
    assert (dispute.deadline_at, dispute.deadline_party, dispute.deadline_kind) == (
        due,
        party,
        Dispute.DeadlineKind.BACK_TO_MEDIATOR,
    )
    assert dispute.next_reminder_at == due - timedelta(hours=48)
    (event,) = transition_events(dispute)[-1:]
    assert (event.type, event.from_state, event.to_state, event.data["from"]) == (
        DisputeEvent.Type.EVIDENCE_REQUESTED,
        S.IN_MEDIATION,
        S.EVIDENCE_REQUESTED,
        party,
    )
    asked = dispute.buyer if party == Party.BUYER else dispute.store.owner
    (mail,) = [m for m in mailoutbox if m.to == [asked.email] and dispute.reference in m.subject]
    assert "Photo of the label" in mail.body and selectors.deadline_sentence(dispute) in mail.body


def test_an_evidence_request_needs_a_party_a_note_and_a_future_due_date(dispute, mediator, escalated_at):
    at = escalated_at + DAY
    for party, note, due in [
        (Party.MEDIATOR, "x", at + DAY),
        ("", "x", at + DAY),
        (Party.BUYER, "  ", at + DAY),
        (Party.BUYER, "x", at),
        (Party.BUYER, "x", at - DAY),
    ]:
        refused(
            dispute, services.request_evidence, mediator=mediator, party=party, note=note, due_at=due, now=at
        )


def test_staff_without_the_request_evidence_permission_cannot_ask(
    dispute, staff_non_mediator, mediator, escalated_at
):
    at = escalated_at + DAY
    kwargs = {"party": Party.BUYER, "note": "Photo", "due_at": at + 5 * DAY, "now": at}
    refused(dispute, services.request_evidence, mediator=staff_non_mediator, **kwargs)
    # Holding the permission is not enough: mediators are staff in the Mediators group.
    staff_non_mediator.user_permissions.add(
        Permission.objects.get(content_type__app_label="disputes", codename="request_evidence")
    )
    staff = type(staff_non_mediator).objects.get(pk=staff_non_mediator.pk)
    assert staff.has_perm("disputes.request_evidence")
    refused(dispute, services.request_evidence, mediator=staff, **kwargs)

    without_permission("request_evidence")

    refused(dispute, services.request_evidence, mediator=mediator_user(), **kwargs)


def test_the_parties_cannot_request_evidence(dispute, buyer, seller, escalated_at):
    at = escalated_at + DAY
    for user in (buyer, seller):
        refused(
            dispute,
            services.request_evidence,
            mediator=user,
            party=Party.BUYER,
            note="x",
            due_at=at + DAY,
            now=at,
        )


def test_evidence_is_only_requested_in_mediation(dispute, mediator, escalated_at):
    at = escalated_at + DAY
    services.request_evidence(
        dispute=dispute, mediator=mediator, party=Party.BUYER, note="a", due_at=at + DAY, now=at
    )

    refused(
        dispute,
        services.request_evidence,
        mediator=mediator,
        party=Party.SELLER,
        note="b",
        due_at=at + DAY,
        now=at,
    )


@pytest.fixture
def asked_buyer(dispute, mediator, escalated_at):
    at = escalated_at + DAY
    return services.request_evidence(
        dispute=dispute, mediator=mediator, party=Party.BUYER, note="Photo", due_at=at + 5 * DAY, now=at
    )


def test_the_asked_party_sends_evidence_and_the_case_goes_back_to_the_mediator(
    asked_buyer, buyer, escalated_at
):
    at = escalated_at + 2 * DAY

    dispute = services.provide_evidence(
        dispute=asked_buyer, user=buyer, note="Here it is", files=evidence_files("label.jpg"), now=at
    )

    assert dispute.state == S.IN_MEDIATION and dispute.evidence_requested_from == ""
    # The mediator's service target still counts from the escalation, not from the answer.
    assert dispute.deadline_at == escalated_at + timedelta(days=5)
    assert dispute.deadline_party == Party.MEDIATOR
    assert dispute.evidence.get().original_name == "label.jpg"
    event = transition_events(dispute)[-1]
    assert (event.type, event.from_state, event.to_state, event.note) == (
        DisputeEvent.Type.EVIDENCE_PROVIDED,
        S.EVIDENCE_REQUESTED,
        S.IN_MEDIATION,
        "Here it is",
    )
    assert dispute.events.filter(type=DisputeEvent.Type.EVIDENCE_ADDED, to_state="").count() == 1


def test_a_note_alone_answers_an_evidence_request(asked_buyer, buyer, escalated_at):
    dispute = services.provide_evidence(
        dispute=asked_buyer, user=buyer, note="I have no photos", files=[], now=escalated_at + 2 * DAY
    )

    assert dispute.state == S.IN_MEDIATION


def test_only_the_asked_party_answers_and_with_something(asked_buyer, buyer, seller, mediator, escalated_at):
    at = escalated_at + 2 * DAY
    for user in (seller, mediator):
        refused(asked_buyer, services.provide_evidence, user=user, note="mine", files=[], now=at)

    refused(asked_buyer, services.provide_evidence, user=buyer, note="  ", files=[], now=at)


# --- decisions --------------------------------------------------------------------------------------------
def decide(dispute, mediator, at, decision, amount=None, note="The tracking never shows delivery."):
    return services.decide_dispute(
        dispute=dispute, mediator=mediator, decision=decision, amount=amount, note=note, now=at
    )


def test_a_full_refund_decision_refunds_everything_refundable(
    dispute, mediator, escalated_at, django_capture_on_commit_callbacks, mailoutbox
):
    at = escalated_at + DAY

    with django_capture_on_commit_callbacks(execute=True):
        dispute = decide(dispute, mediator, at, D.FULL_REFUND)

    assert dispute.state == S.RESOLVED_BUYER
    assert (dispute.outcome, dispute.refund_amount, dispute.agreed_amount) == (
        Dispute.Outcome.FULL_REFUND,
        Decimal("60.00"),
        Decimal("60.00"),
    )
    assert (dispute.decided_by, dispute.decision_note, dispute.closed_at) == (
        mediator,
        "The tracking never shows delivery.",
        at,
    )
    assert Refund.objects.get(dispute=dispute).status == Refund.Status.PAID
    decision = dispute.proposals.get(kind=Proposal.Kind.DECISION)
    assert (decision.party, decision.author, decision.resolution) == (Party.MEDIATOR, mediator, "accepted")
    event = transition_events(dispute)[-1]
    assert (event.type, event.actor, event.from_state, event.to_state) == (
        DisputeEvent.Type.DECIDED,
        mediator,
        S.IN_MEDIATION,
        S.RESOLVED_BUYER,
    )
    for party in (dispute.buyer, dispute.store.owner):
        (mail,) = [m for m in mailoutbox if m.to == [party.email] and dispute.reference in m.subject]
        assert "The tracking never shows delivery." in mail.body
    dispute.order.refresh_from_db()
    assert dispute.order.state == Order.State.REFUNDED


def test_a_partial_refund_keeps_the_rest_in_escrow_until_the_new_window_closes(
    dispute, mediator, escalated_at
):
    decided_at = escalated_at + DAY
    dispute = decide(dispute, mediator, decided_at, D.PARTIAL_REFUND, amount=Decimal("25.00"))

    assert dispute.state == S.RESOLVED_BUYER
    assert (dispute.outcome, dispute.refund_amount) == (Dispute.Outcome.PARTIAL_REFUND, Decimal("25.00"))
    assert Refund.objects.get(dispute=dispute).amount == Decimal("25.00")
    order = dispute.order
    order.refresh_from_db()
    assert (order.state, order.settled_amount) == (Order.State.COMPLETED, None)
    assert order.dispute_window_ends_at == decided_at + timedelta(days=15)

    deadlines.enforce_all(now=order.dispute_window_ends_at)

    order.refresh_from_db()
    assert (order.state, order.settled_amount) == (Order.State.SETTLED, Decimal("35.00"))


@pytest.mark.parametrize("amount", [Decimal("0.00"), Decimal("-0.01"), Decimal("60.01")])
def test_a_partial_refund_is_between_one_cent_and_what_is_refundable(dispute, mediator, escalated_at, amount):
    refused(
        dispute,
        services.decide_dispute,
        services.AmountNotAllowed,
        mediator=mediator,
        decision=D.PARTIAL_REFUND,
        amount=amount,
        note="reason",
        now=escalated_at + DAY,
    )


@pytest.mark.parametrize(
    ("amount", "outcome"),
    [(Decimal("0.01"), Dispute.Outcome.PARTIAL_REFUND), (Decimal("60.00"), Dispute.Outcome.FULL_REFUND)],
)
def test_a_partial_refund_at_its_bounds(dispute, mediator, escalated_at, amount, outcome):
    dispute = decide(dispute, mediator, escalated_at + DAY, D.PARTIAL_REFUND, amount=amount)

    assert (dispute.refund_amount, dispute.outcome) == (amount, outcome)


def test_a_refund_after_return_sends_the_buyer_to_the_stores_return_address(
    dispute, mediator, escalated_at, store
):
    at = escalated_at + DAY

    dispute = decide(dispute, mediator, at, D.REFUND_AFTER_RETURN, amount=Decimal("50.00"))

    assert dispute.state == S.AWAITING_RETURN
    assert (dispute.agreed_amount, dispute.agreed_return) == (Decimal("50.00"), True)
    assert dispute.return_address == store.return_address
    assert (dispute.deadline_at, dispute.deadline_party) == (at + timedelta(days=10), Party.BUYER)
    assert dispute.outcome == "" and not Refund.objects.filter(dispute=dispute).exists()
    assert transition_events(dispute)[-1].to_state == S.AWAITING_RETURN


def test_a_refund_after_return_needs_a_return_address(dispute, mediator, escalated_at, store):
    store.return_address = ""
    store.save()

    refused(
        dispute,
        services.decide_dispute,
        mediator=mediator,
        decision=D.REFUND_AFTER_RETURN,
        amount=None,
        note="r",
        now=escalated_at + DAY,
    )


def test_rejecting_the_claim_resolves_for_the_seller_without_refund(dispute, mediator, escalated_at):
    dispute = decide(dispute, mediator, escalated_at + DAY, D.REJECT, amount=Decimal("40.00"))

    assert dispute.state == S.RESOLVED_SELLER
    assert (dispute.outcome, dispute.refund_amount, dispute.deadline_at) == (
        Dispute.Outcome.NO_REFUND,
        Decimal("0.00"),
        None,
    )
    assert not Refund.objects.filter(dispute=dispute).exists()
    dispute.order.refresh_from_db()
    assert (dispute.order.state, dispute.order.settled_amount) == (Order.State.SETTLED, Decimal("60.00"))
    assert BuyerStanding.objects.get(buyer=dispute.buyer).wins_in_a_row == 0


@pytest.mark.parametrize("decision", D.values)
def test_every_decision_needs_a_written_reason(dispute, mediator, escalated_at, decision):
    refused(
        dispute,
        services.decide_dispute,
        mediator=mediator,
        decision=decision,
        amount=Decimal("10.00"),
        note=" \n ",
        now=escalated_at + DAY,
    )


def test_a_case_waiting_for_evidence_can_still_be_decided(asked_buyer, mediator, escalated_at):
    dispute = decide(asked_buyer, mediator, escalated_at + 2 * DAY, D.REJECT)

    assert dispute.state == S.RESOLVED_SELLER and dispute.evidence_requested_from == ""


def test_only_mediators_with_the_decide_permission_decide(
    dispute, staff_non_mediator, buyer, seller, escalated_at
):
    kwargs = {"decision": D.FULL_REFUND, "amount": None, "note": "r", "now": escalated_at + DAY}
    for user in (staff_non_mediator, buyer, seller):
        refused(dispute, services.decide_dispute, mediator=user, **kwargs)

    without_permission("decide_dispute")

    refused(dispute, services.decide_dispute, mediator=mediator_user(), **kwargs)


def test_a_superuser_counts_as_a_mediator(dispute, superuser, escalated_at):
    dispute = decide(dispute, superuser, escalated_at + DAY, D.FULL_REFUND)

    assert dispute.decided_by == superuser


def test_a_dispute_outside_mediation_cannot_be_decided(order, now, mediator):
    dispute = open_dispute_for(ship(order, at=now + DAY), at=now + timedelta(days=8))

    refused(
        dispute,
        services.decide_dispute,
        mediator=mediator,
        decision=D.FULL_REFUND,
        amount=None,
        note="r",
        now=now + timedelta(days=9),
    )


def test_a_decided_dispute_cannot_be_decided_again(dispute, mediator, escalated_at):
    decide(dispute, mediator, escalated_at + DAY, D.PARTIAL_REFUND, amount=Decimal("10.00"))

    refused(
        dispute,
        services.decide_dispute,
        mediator=mediator,
        decision=D.FULL_REFUND,
        amount=None,
        note="again",
        now=escalated_at + 2 * DAY,
    )
    assert Refund.objects.filter(dispute=dispute).count() == 1


# --- mediator messages ------------------------------------------------------------------------------------
def test_a_mediator_message_reaches_both_parties(
    dispute, mediator, escalated_at, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.post_mediator_message(
            dispute=dispute, mediator=mediator, text="Please upload the label", now=escalated_at
        )

    event = dispute.events.get(type=DisputeEvent.Type.MEDIATOR_MESSAGE)
    assert (event.note, event.to_state) == ("Please upload the label", "")
    assert sorted(m.to[0] for m in mailoutbox if dispute.reference in m.subject) == sorted(
        [dispute.buyer.email, dispute.store.owner.email]
    )


def test_a_mediator_message_needs_text_and_a_mediator(dispute, mediator, staff_non_mediator, escalated_at):
    with pytest.raises(services.ActionNotAllowed):
        services.post_mediator_message(dispute=dispute, mediator=mediator, text="  ", now=escalated_at)
    with pytest.raises(services.ActionNotAllowed):
        services.post_mediator_message(
            dispute=dispute, mediator=staff_non_mediator, text="hi", now=escalated_at
        )

    assert not dispute.events.filter(type=DisputeEvent.Type.MEDIATOR_MESSAGE).exists()


# --- the blacklist ----------------------------------------------------------------------------------------
def test_blacklisting_a_buyer_records_who_when_and_why(buyer, mediator, now):
    standing = services.set_buyer_blacklisted(
        buyer=buyer, mediator=mediator, blacklisted=True, reason="  Serial false claims  ", now=now
    )

    assert (
        standing.blacklisted,
        standing.blacklist_reason,
        standing.blacklisted_at,
        standing.blacklisted_by,
    ) == (
        True,
        "Serial false claims",
        now,
        mediator,
    )
    change = BuyerStandingChange.objects.get(standing=standing)
    assert (change.actor, change.blacklisted, change.reason, change.created_at) == (
        mediator,
        True,
        "Serial false claims",
        now,
    )


def test_taking_a_buyer_off_the_blacklist_is_recorded_too(buyer, mediator, now):
    services.set_buyer_blacklisted(buyer=buyer, mediator=mediator, blacklisted=True, reason="abuse", now=now)

    standing = services.set_buyer_blacklisted(
        buyer=buyer, mediator=mediator, blacklisted=False, reason="Appeal upheld", now=now + DAY
    )

    assert (standing.blacklisted, standing.blacklisted_at) == (False, None)
    assert list(standing.changes.order_by("id").values_list("blacklisted", "reason")) == [
        (True, "abuse"),
        (False, "Appeal upheld"),
    ]


def test_blacklisting_needs_a_reason_and_the_permission(buyer, mediator, staff_non_mediator, now):
    with pytest.raises(services.ActionNotAllowed):
        services.set_buyer_blacklisted(buyer=buyer, mediator=mediator, blacklisted=True, reason=" ", now=now)
    with pytest.raises(services.ActionNotAllowed):
        services.set_buyer_blacklisted(
            buyer=buyer, mediator=staff_non_mediator, blacklisted=True, reason="abuse", now=now
        )
    without_permission("blacklist_buyer")
    with pytest.raises(services.ActionNotAllowed):
        services.set_buyer_blacklisted(
            buyer=buyer, mediator=mediator_user(), blacklisted=True, reason="x", now=now
        )

    assert not BuyerStanding.objects.filter(buyer=buyer, blacklisted=True).exists()
    assert not BuyerStandingChange.objects.filter(standing__buyer=buyer).exists()
