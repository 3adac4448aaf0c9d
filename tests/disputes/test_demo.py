from io import StringIO

import pytest
from django.core.management import call_command

from disputes.demo import DISPUTE_STORIES
from disputes.models import Appeal, Dispute, DisputeEvent, Evidence, Proposal
from messaging.models import Message
from orders.demo import ORDER_NUMBER_PREFIX, PEOPLE
from portal import deadlines
from portal.accounts.models import User

pytestmark = pytest.mark.django_db


def seed(now) -> str:
    out = StringIO()
    call_command("seed_demo", now=now.isoformat(), stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_disputes(now, django_capture_on_commit_callbacks):
    # As after the command's transaction commits: the queued jobs (photo processing) run.
    with django_capture_on_commit_callbacks(execute=True):
        seed(now)
    return Dispute.objects.filter(order__number__startswith=ORDER_NUMBER_PREFIX)


def test_the_demo_has_a_dispute_in_every_state_decided_each_way_with_refunds_paid(demo_disputes):
    assert set(demo_disputes.values_list("state", flat=True)) == set(Dispute.State.values)
    assert demo_disputes.count() == len(DISPUTE_STORIES)
    # Decided each way, withdrawn, and one granted by the clock; every refund paid.
    outcomes = set(demo_disputes.values_list("outcome", "decided_by__username"))

    assert {
        ("full_refund", "maria_mediator"),
        ("partial_refund", "maria_mediator"),
        ("no_refund", "maria_mediator"),
        ("withdrawn", None),
    } <= outcomes
    granted = demo_disputes.get(events__type=DisputeEvent.Type.AUTO_RESOLVED)
    assert granted.state == Dispute.State.RESOLVED_BUYER and granted.decided_by is None
    assert (
        demo_disputes.get(state=Dispute.State.AWAITING_BUYER)
        .proposals.filter(kind=Proposal.Kind.COUNTER_OFFER, resolution=Proposal.Resolution.OPEN)
        .exists()
    )
    for dispute in demo_disputes.filter(refund_amount__gt=0):
        refunds = list(dispute.order.refunds.values_list("status", "amount"))
        assert refunds == [("paid", dispute.refund_amount)]


def test_demo_evidence_photos_passed_the_upload_checks_were_processed_and_there_is_chat(demo_disputes):
    evidence = Evidence.objects.filter(dispute__in=demo_disputes)

    assert evidence.filter(party="buyer").count() >= len(DISPUTE_STORIES)
    assert evidence.filter(party="seller").exists()
    assert set(evidence.values_list("status", "content_type")) == {(Evidence.Status.READY, "image/jpeg")}
    for item in evidence:
        assert item.width == 960 and item.height == 720 and item.size > 10_000
    # And chat: between the parties, and the mediator's note in the dispute.
    assert Message.objects.filter(conversation__order__disputes__in=demo_disputes).count() >= 4
    assert DisputeEvent.objects.filter(
        dispute__in=demo_disputes, type=DisputeEvent.Type.MEDIATOR_MESSAGE
    ).exists()


def test_every_demo_account_has_an_action_waiting_and_the_queue_is_not_empty(demo_disputes, now):
    open_disputes = list(demo_disputes.filter(state__in=Dispute.OPEN_STATES).select_related("store"))
    people = [person.username for person in PEOPLE if person.role in ("buyer", "seller", "mediator")]

    for user in User.objects.filter(username__in=people):
        actions = {
            transition.name
            for dispute in open_disputes
            for transition in dispute.get_available_user_state_transitions(user)
        }
        assert actions, f"{user.username} has nothing to do"
    # The mediator's queue has a new case, an overdue one, and one waiting for evidence.
    in_mediation = demo_disputes.filter(state__in=Dispute.MEDIATION_STATES)

    assert in_mediation.filter(assigned_mediator=None, deadline_at__gt=now).exists()
    assert in_mediation.filter(state=Dispute.State.IN_MEDIATION, deadline_at__lt=now).exists()
    assert in_mediation.filter(
        state=Dispute.State.EVIDENCE_REQUESTED, evidence_requested_from="buyer"
    ).exists()
    # Two decisions are appealed: one waits for the other party, one for a second mediator.
    appeals = Appeal.objects.filter(dispute__in=demo_disputes)
    assert set(appeals.values_list("state", "appellant", "first_mediator__username")) == {
        (Appeal.State.AWAITING_ANSWER, "seller", "maria_mediator"),
        (Appeal.State.IN_REVIEW, "buyer", "maria_mediator"),
    }


def test_demo_disputes_happened_in_the_past_and_the_first_sweep_changes_none(demo_disputes, now):
    states = dict(demo_disputes.values_list("pk", "state"))

    assert deadlines.enforce_all(now=now)["disputes"] == 0
    assert dict(demo_disputes.values_list("pk", "state")) == states
    # Every event happened in the past, in order, after the order's delivery.
    for dispute in demo_disputes:
        times = list(dispute.events.order_by("id").values_list("created_at", flat=True))
        assert times == sorted(times)
        assert times[0] == dispute.opened_at > dispute.order.delivered_at
        assert times[-1] <= now


def test_running_the_demo_again_adds_no_dispute_evidence_or_message(demo_disputes, now):
    before = (Dispute.objects.count(), Evidence.objects.count(), Message.objects.count())

    output = seed(now)

    assert (Dispute.objects.count(), Evidence.objects.count(), Message.objects.count()) == before
    assert "already loaded" in output
