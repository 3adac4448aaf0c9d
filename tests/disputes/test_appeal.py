"""Appeals (issue 16, item 1): once, within 30 days, with new evidence, decided for good by a
different mediator; money already refunded never comes back from the buyer."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from disputes import policy, services
from disputes.models import Appeal, AppealClawback, AppealEvent, Dispute, Evidence
from orders.models import Refund
from portal import deadlines
from portal.outbox.models import OutboxMessage
from tests.factories import evidence_files, mediator_user, open_dispute_for, ship

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
D = services.Decision
AD = services.AppealDecision


@pytest.fixture
def decided_at(now):
    return now + timedelta(days=12)


def _in_mediation(order, now, seller, buyer) -> Dispute:
    order = ship(order, at=now + DAY)
    dispute = open_dispute_for(order, at=now + timedelta(days=8), amount=Decimal("60.00"))
    services.reject_request(dispute=dispute, seller=seller, note="Delivered", evidence=[], now=now + 9 * DAY)
    return services.escalate_dispute(dispute=dispute, user=buyer, note="Never came", now=now + 10 * DAY)


@pytest.fixture
def lost_by_buyer(order, now, seller, buyer, mediator, decided_at) -> Dispute:
    """Decided for the seller by ``mediator``: no refund of the 60.00 USD asked."""
    dispute = _in_mediation(order, now, seller, buyer)
    return services.decide_dispute(
        dispute=dispute,
        mediator=mediator,
        decision=D.REJECT,
        amount=None,
        note="Tracking shows delivery",
        now=decided_at,
    )


@pytest.fixture
def won_by_buyer(order, now, seller, buyer, mediator, decided_at) -> Dispute:
    """Decided for the buyer by ``mediator``: a full refund of 60.00 USD, paid."""
    dispute = _in_mediation(order, now, seller, buyer)
    return services.decide_dispute(
        dispute=dispute,
        mediator=mediator,
        decision=D.FULL_REFUND,
        amount=None,
        note="No proof",
        now=decided_at,
    )


@pytest.fixture
def second_mediator(db):
    return mediator_user(username="nick_second", first_name="Nick")


def file(dispute, user, at, reason="The photos show the box was empty", files=None):
    return services.file_appeal(
        dispute=dispute,
        user=user,
        reason=reason,
        files=evidence_files("new.jpg") if files is None else files,
        now=at,
    )


def refused_to_file(dispute, user, at, error, **kwargs) -> str:
    evidence_before = Evidence.objects.filter(dispute=dispute).count()
    with pytest.raises(error) as refusal:
        file(dispute, user, at, **kwargs)
    assert not Appeal.objects.filter(dispute=dispute, filed_by=user, filed_at=at).exists()
    assert Evidence.objects.filter(dispute=dispute).count() == evidence_before
    return str(refusal.value)


# --- filing ------------------------------------------------------------------------------------------------
def test_the_losing_buyer_appeals_with_new_evidence_and_the_seller_is_asked_to_answer(
    lost_by_buyer, buyer, mediator, decided_at
):
    at = decided_at + 3 * DAY
    appeal = file(lost_by_buyer, buyer, at)

    assert (appeal.state, appeal.appellant, appeal.respondent) == ("awaiting_answer", "buyer", "seller")
    assert appeal.first_mediator == mediator
    assert appeal.first_refund == Decimal("0.00")
    assert appeal.deadline_at == at + policy.APPEAL_ANSWER_WINDOW
    assert appeal.next_reminder_at == appeal.deadline_at - policy.REMINDERS_BEFORE[0]
    event = appeal.events.get()
    assert (event.type, event.actor, event.note) == (
        AppealEvent.Type.FILED,
        buyer,
        "The photos show the box was empty",
    )
    assert Evidence.objects.filter(pk__in=event.data["files"], party="buyer", received_at=at).count() == 1


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE disputes_appealevent SET note = '' WHERE id = %s",
        "DELETE FROM disputes_appealevent WHERE id = %s",
    ],
)
def test_the_database_refuses_to_rewrite_or_delete_the_appeals_timeline(
    lost_by_buyer, buyer, decided_at, sql
):
    event = file(lost_by_buyer, buyer, decided_at + DAY).events.get()

    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])

    assert AppealEvent.objects.filter(pk=event.pk, note=event.note).exists()


def test_the_seller_may_appeal_too(won_by_buyer, seller, decided_at):
    appeal = file(won_by_buyer, seller, decided_at + DAY)

    assert (appeal.appellant, appeal.respondent, appeal.first_refund) == ("seller", "buyer", Decimal("60.00"))


def test_an_appeal_on_the_last_moment_of_the_30_days_is_accepted(lost_by_buyer, buyer, decided_at):
    appeal = file(lost_by_buyer, buyer, decided_at + policy.APPEAL_WINDOW)

    assert appeal.pk


def test_an_appeal_after_30_days_is_refused(lost_by_buyer, buyer, decided_at):
    message = refused_to_file(
        lost_by_buyer,
        buyer,
        decided_at + policy.APPEAL_WINDOW + timedelta(seconds=1),
        services.AppealNotAllowed,
    )

    assert "The time to appeal this decision ended on" in message


def test_a_second_appeal_is_refused(lost_by_buyer, buyer, seller, decided_at):
    file(lost_by_buyer, buyer, decided_at + DAY)

    message = refused_to_file(lost_by_buyer, seller, decided_at + 2 * DAY, services.AppealNotAllowed)

    assert "already appealed" in message
    assert Appeal.objects.filter(dispute=lost_by_buyer).count() == 1


def test_the_database_holds_one_appeal_per_dispute(lost_by_buyer, buyer, decided_at):
    appeal = file(lost_by_buyer, buyer, decided_at + DAY)

    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.create(
            dispute=lost_by_buyer,
            appellant="seller",
            filed_by=buyer,
            reason="again",
            filed_at=decided_at + 2 * DAY,
            first_mediator=appeal.first_mediator,
            first_decided_at=decided_at,
            first_refund=Decimal("0.00"),
            currency="USD",
            deadline_at=decided_at + 9 * DAY,
        )


def test_someone_who_is_not_a_party_cannot_appeal(lost_by_buyer, other_buyer, decided_at):
    message = refused_to_file(lost_by_buyer, other_buyer, decided_at + DAY, services.AppealNotAllowed)

    assert "Only the buyer or the seller" in message


def test_an_appeal_needs_a_reason_and_new_evidence(lost_by_buyer, buyer, decided_at):
    refused_to_file(lost_by_buyer, buyer, decided_at + DAY, services.ActionNotAllowed, reason="  ")
    refused_to_file(lost_by_buyer, buyer, decided_at + DAY, services.EvidenceRequired, files=[])


def test_a_dispute_no_mediator_decided_cannot_be_appealed(order, now, buyer, seller):
    order = ship(order, at=now + DAY)
    dispute = open_dispute_for(order, at=now + 8 * DAY, amount=Decimal("60.00"))
    dispute = services.accept_request(dispute=dispute, seller=seller, now=now + 9 * DAY)

    message = refused_to_file(dispute, buyer, now + 10 * DAY, services.AppealNotAllowed)

    assert "Only a mediator's decision" in message


# --- the answer and its deadline ----------------------------------------------------------------------------
def test_the_seller_answers_and_the_appeal_goes_to_the_mediators(lost_by_buyer, buyer, seller, decided_at):
    appeal = file(lost_by_buyer, buyer, decided_at + DAY)

    appeal = services.answer_appeal(
        appeal=appeal, user=seller, text="The parcel was weighed at 1 kg", files=[], now=decided_at + 2 * DAY
    )

    assert (appeal.state, appeal.answer, appeal.deadline_at, appeal.next_reminder_at) == (
        "in_review",
        "The parcel was weighed at 1 kg",
        None,
        None,
    )
    assert appeal.events.filter(type=AppealEvent.Type.ANSWERED, actor=seller).exists()


def test_the_appellant_cannot_answer_their_own_appeal(lost_by_buyer, buyer, decided_at):
    appeal = file(lost_by_buyer, buyer, decided_at + DAY)

    with pytest.raises(services.ActionNotAllowed):
        services.answer_appeal(appeal=appeal, user=buyer, text="me too", files=[], now=decided_at + 2 * DAY)
    appeal.refresh_from_db()
    assert appeal.state == "awaiting_answer"


def test_the_sweep_sends_an_unanswered_appeal_on_at_its_deadline_and_reminds_before(
    lost_by_buyer, buyer, decided_at
):
    appeal = file(lost_by_buyer, buyer, decided_at + DAY)

    deadlines.enforce_all(now=appeal.deadline_at - timedelta(hours=47))
    appeal.refresh_from_db()
    assert (appeal.state, appeal.reminders_sent) == ("awaiting_answer", 1)
    reminder = appeal.events.get(type=AppealEvent.Type.REMINDER_SENT)
    assert reminder.data["hours_left"] == 47

    deadlines.enforce_all(now=appeal.deadline_at - timedelta(seconds=1))
    appeal.refresh_from_db()
    assert appeal.state == "awaiting_answer"

    deadlines.enforce_all(now=appeal.deadline_at)
    appeal.refresh_from_db()
    assert (appeal.state, appeal.deadline_at) == ("in_review", None)
    assert appeal.events.filter(type=AppealEvent.Type.ANSWER_MISSED, actor=None).count() == 1
    assert deadlines.enforce_all(now=decided_at + 20 * DAY)["appeals"] == 0


def test_an_answer_after_the_deadline_is_refused_and_the_deadline_applied(
    lost_by_buyer, buyer, seller, decided_at
):
    appeal = file(lost_by_buyer, buyer, decided_at + DAY)

    with pytest.raises(services.DeadlinePassed) as refusal:
        services.answer_appeal(appeal=appeal, user=seller, text="late", files=[], now=appeal.deadline_at)

    assert "The time to answer the appeal ended" in str(refusal.value)
    appeal.refresh_from_db()
    assert (appeal.state, appeal.answer) == ("in_review", "")


# --- the second mediator -----------------------------------------------------------------------------------
@pytest.fixture
def answered(lost_by_buyer, buyer, seller, decided_at):
    appeal = file(lost_by_buyer, buyer, decided_at + DAY)
    return services.answer_appeal(
        appeal=appeal, user=seller, text="It was full", files=[], now=decided_at + 2 * DAY
    )


def test_the_mediator_who_decided_cannot_take_the_appeal(answered, mediator, decided_at):
    with pytest.raises(services.SameMediator) as refusal:
        services.assign_appeal(appeal=answered, mediator=mediator, now=decided_at + 3 * DAY)

    assert "a different mediator" in str(refusal.value)
    answered.refresh_from_db()
    assert answered.assigned_mediator is None
    assert not answered.events.filter(type=AppealEvent.Type.ASSIGNED).exists()


def test_the_mediator_who_decided_cannot_decide_the_appeal(answered, mediator, decided_at):
    with pytest.raises(services.SameMediator):
        services.decide_appeal(
            appeal=answered,
            mediator=mediator,
            decision=AD.FULL_REFUND,
            amount=None,
            note="Mine",
            now=decided_at + 3 * DAY,
        )

    answered.refresh_from_db()
    assert (answered.state, answered.decided_by) == ("in_review", None)
    assert not Refund.objects.filter(dispute=answered.dispute).exists()


def test_the_database_refuses_the_first_mediator_on_the_appeal(answered, mediator):
    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.filter(pk=answered.pk).update(assigned_mediator=mediator)


def test_a_second_mediator_reverses_for_the_buyer_and_the_difference_is_refunded(
    answered, second_mediator, decided_at
):
    services.assign_appeal(appeal=answered, mediator=second_mediator, now=decided_at + 3 * DAY)

    appeal = services.decide_appeal(
        appeal=answered,
        mediator=second_mediator,
        decision=AD.FULL_REFUND,
        amount=None,
        note="The photos show an empty box",
        now=decided_at + 4 * DAY,
    )

    assert (appeal.state, appeal.outcome, appeal.decided_by) == ("decided", "for_buyer", second_mediator)
    assert (appeal.final_refund, appeal.refund_difference, appeal.overpaid_amount) == (
        Decimal("60.00"),
        Decimal("60.00"),
        Decimal("0.00"),
    )
    refund = Refund.objects.get(dispute=appeal.dispute)
    assert (refund.amount, refund.reason) == (Decimal("60.00"), Refund.Reason.DISPUTE)
    assert appeal.events.filter(type=AppealEvent.Type.DECIDED, actor=second_mediator).exists()


def test_a_partial_reversal_refunds_only_the_difference(
    won_by_buyer, seller, buyer, second_mediator, decided_at
):
    # The first decision refunded 60.00 of 60.00; an appeal cannot add more than was paid.
    appeal = file(won_by_buyer, seller, decided_at + DAY)
    services.answer_appeal(appeal=appeal, user=buyer, text="No", files=[], now=decided_at + 2 * DAY)

    with pytest.raises(services.AmountNotAllowed):
        services.decide_appeal(
            appeal=appeal,
            mediator=second_mediator,
            decision=AD.PARTIAL_REFUND,
            amount=Decimal("60.01"),
            note="x",
            now=decided_at + 3 * DAY,
        )

    appeal.refresh_from_db()
    assert appeal.state == "in_review"


def test_a_reversal_for_the_seller_never_takes_money_back_from_the_buyer(
    won_by_buyer, seller, buyer, second_mediator, decided_at
):
    appeal = file(won_by_buyer, seller, decided_at + DAY)
    services.answer_appeal(appeal=appeal, user=buyer, text="It broke", files=[], now=decided_at + 2 * DAY)

    appeal = services.decide_appeal(
        appeal=appeal,
        mediator=second_mediator,
        decision=AD.PARTIAL_REFUND,
        amount=Decimal("20.00"),
        note="Only the case was faulty",
        now=decided_at + 3 * DAY,
    )

    assert (appeal.outcome, appeal.final_refund, appeal.overpaid_amount) == (
        "for_seller",
        Decimal("20.00"),
        Decimal("40.00"),
    )
    assert [r.amount for r in Refund.objects.filter(dispute=appeal.dispute)] == [Decimal("60.00")]
    assert not AppealClawback.objects.filter(appeal=appeal).exists()


@override_settings(DISPUTES_APPEAL_CLAWBACK=True)
def test_with_clawback_on_a_reversal_for_the_seller_records_an_entry_for_finance(
    won_by_buyer, seller, buyer, second_mediator, decided_at
):
    appeal = file(won_by_buyer, seller, decided_at + DAY)
    services.answer_appeal(appeal=appeal, user=buyer, text="It broke", files=[], now=decided_at + 2 * DAY)

    appeal = services.decide_appeal(
        appeal=appeal,
        mediator=second_mediator,
        decision=AD.NO_REFUND,
        amount=None,
        note="Misuse",
        now=decided_at + 3 * DAY,
    )

    assert (appeal.clawback.amount, appeal.clawback.currency) == (Decimal("60.00"), "USD")
    assert [r.amount for r in Refund.objects.filter(dispute=appeal.dispute)] == [Decimal("60.00")]


def test_the_appeal_decision_is_final(answered, second_mediator, buyer, decided_at):
    services.decide_appeal(
        appeal=answered,
        mediator=second_mediator,
        decision=AD.UPHOLD,
        amount=None,
        note="Stands",
        now=decided_at + 3 * DAY,
    )

    with pytest.raises(services.ActionNotAllowed):
        services.decide_appeal(
            appeal=answered,
            mediator=second_mediator,
            decision=AD.FULL_REFUND,
            amount=None,
            note="Again",
            now=decided_at + 4 * DAY,
        )
    with pytest.raises(services.AppealNotAllowed):
        file(answered.dispute, buyer, decided_at + 5 * DAY)
    answered.refresh_from_db()
    assert (answered.outcome, answered.final_refund) == ("upheld", Decimal("0.00"))


def test_an_appeal_cannot_be_decided_while_it_waits_for_the_answer(
    lost_by_buyer, buyer, second_mediator, decided_at
):
    appeal = file(lost_by_buyer, buyer, decided_at + DAY)

    with pytest.raises(services.ActionNotAllowed):
        services.decide_appeal(
            appeal=appeal,
            mediator=second_mediator,
            decision=AD.FULL_REFUND,
            amount=None,
            note="Quick",
            now=decided_at + 2 * DAY,
        )


def test_filing_answering_and_deciding_queue_notifications(answered, second_mediator, decided_at):
    services.decide_appeal(
        appeal=answered,
        mediator=second_mediator,
        decision=AD.UPHOLD,
        amount=None,
        note="Stands",
        now=decided_at + 3 * DAY,
    )

    queued = {
        event_id
        for row in OutboxMessage.objects.filter(kwargs__event_label="disputes.appealevent")
        for event_id in row.kwargs["event_ids"]
    }
    assert queued == set(answered.events.values_list("pk", flat=True))


def test_the_statistics_count_each_mediators_decisions_appealed_and_changed(
    answered, mediator, second_mediator, decided_at
):
    from disputes.admin.selectors import STATISTICS_WEEKS, team_statistics
    from disputes.appeal_selectors import appeal_statistics
    from disputes.tallies import DECIDED

    services.decide_appeal(
        appeal=answered,
        mediator=second_mediator,
        decision=AD.FULL_REFUND,
        amount=None,
        note="Empty box",
        now=decided_at + 3 * DAY,
    )

    def rows_on(day):
        # As the statistics page reads them: each mediator's decisions from the weeks' tallies.
        stats = team_statistics(now=day)
        decided = {pk: counts[DECIDED] for pk, counts in stats.mediator_counts.items()}
        return {row.mediator: row for row in appeal_statistics(since=stats.since, decided=decided)}

    rows = rows_on(decided_at + 3 * DAY)
    later = rows_on(decided_at + 7 * STATISTICS_WEEKS * DAY)
    assert (rows[mediator].decided, rows[mediator].appealed, rows[mediator].reversed) == (1, 1, 1)
    assert (rows[mediator].appealed_percent, rows[mediator].reversed_percent) == (100.0, 100.0)
    assert second_mediator not in rows
    # Only the page's weeks are counted: a decision before them is not.
    assert mediator not in later
