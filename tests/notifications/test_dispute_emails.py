"""Every dispute event: an in-app notification and an e-mail to each party except the one who
acted, saying what happened, who must act next and by when (or how it ended), with a link."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from disputes import selectors, services
from disputes.models import Dispute, DisputeEvent, Party
from disputes.notifications import DISPUTE_TITLES
from orders.models import Carrier, Order
from portal import deadlines
from portal.notifications.models import Notification
from portal.notifications.tasks import notify_event
from tests.factories import evidence_files, open_dispute_for, ship
from tests.notifications.conftest import html_of, mails_to

pytestmark = pytest.mark.django_db

D = services.Decision
DAY = timedelta(days=1)


# --- stories: each ends one step before the event, at t0 + n days --------------------------------
def opened(order: Order, t0: datetime, **claim) -> Dispute:
    return open_dispute_for(ship(order, at=t0 - 7 * DAY), at=t0, **claim)


def countered(order: Order, t0: datetime) -> Dispute:
    return services.counter_offer(
        dispute=opened(order, t0),
        seller=order.store.owner,
        amount=Decimal("30.00"),
        with_return=False,
        note="Half, keep the item",
        evidence=[],
        now=t0 + DAY,
    )


def rejected(order: Order, t0: datetime) -> Dispute:
    return services.reject_request(
        dispute=opened(order, t0),
        seller=order.store.owner,
        note="It was delivered",
        evidence=[],
        now=t0 + DAY,
    )


def escalated(order: Order, t0: datetime) -> Dispute:
    return services.escalate_dispute(
        dispute=rejected(order, t0), user=order.buyer, note="It never came", now=t0 + 2 * DAY
    )


def return_agreed(order: Order, t0: datetime) -> Dispute:
    return services.accept_request(
        dispute=opened(order, t0, reason="damaged", with_return=True), seller=order.store.owner, now=t0 + DAY
    )


def return_shipped(order: Order, t0: datetime) -> Dispute:
    return services.ship_return(
        dispute=return_agreed(order, t0),
        buyer=order.buyer,
        carrier=Carrier.UPS,
        tracking_number="1Z999AA10123456784",
        now=t0 + 2 * DAY,
    )


def evidence_asked(order: Order, t0: datetime, mediator) -> Dispute:
    return services.request_evidence(
        dispute=escalated(order, t0),
        mediator=mediator,
        party=Party.BUYER,
        note="A photo of the parcel label",
        due_at=t0 + 8 * DAY,
        now=t0 + 3 * DAY,
    )


def job_for_latest(dispute: Dispute, event_type: str) -> None:
    """Run the notification job for an event whose service does not queue one itself."""
    event = dispute.events.filter(type=event_type).latest("id")
    notify_event(event_label="disputes.disputeevent", event_id=event.pk)


@dataclass(frozen=True)
class DisputeCase:
    """``prepare`` brings the dispute to the step (nothing it queues runs); ``final`` takes the
    step with its jobs. ``told`` maps each party told to whether they must act now."""

    prepare: Callable
    final: Callable
    told: dict[str, bool]


CASES = {
    "opened": DisputeCase(
        prepare=lambda order, t0, m: order,
        final=lambda order, t0, m, sweep: opened(order, t0),
        told={"seller": True},
    ),
    "accepted": DisputeCase(
        prepare=lambda order, t0, m: opened(order, t0),
        final=lambda d, t0, m, sweep: services.accept_request(dispute=d, seller=d.store.owner, now=t0 + DAY),
        told={"buyer": False},
    ),
    "counter_offered": DisputeCase(
        prepare=lambda order, t0, m: order,
        final=lambda order, t0, m, sweep: countered(order, t0),
        told={"buyer": True},
    ),
    "rejected": DisputeCase(
        prepare=lambda order, t0, m: order,
        final=lambda order, t0, m, sweep: rejected(order, t0),
        told={"buyer": True},
    ),
    "offer_accepted": DisputeCase(
        prepare=lambda order, t0, m: countered(order, t0),
        final=lambda d, t0, m, sweep: services.accept_offer(dispute=d, buyer=d.buyer, now=t0 + 2 * DAY),
        told={"seller": False},
    ),
    "modified": DisputeCase(
        prepare=lambda order, t0, m: countered(order, t0),
        final=lambda d, t0, m, sweep: services.modify_request(
            dispute=d,
            buyer=d.buyer,
            amount=Decimal("45.00"),
            with_return=False,
            note="Meet me",
            now=t0 + 2 * DAY,
        ),
        told={"seller": True},
    ),
    "escalated": DisputeCase(
        prepare=lambda order, t0, m: rejected(order, t0),
        final=lambda d, t0, m, sweep: services.escalate_dispute(
            dispute=d, user=d.buyer, note="It never came", now=t0 + 2 * DAY
        ),
        told={"seller": False},
    ),
    "withdrawn": DisputeCase(
        prepare=lambda order, t0, m: opened(order, t0),
        final=lambda d, t0, m, sweep: services.withdraw_dispute(dispute=d, buyer=d.buyer, now=t0 + DAY),
        told={"seller": False},
    ),
    "return_shipped": DisputeCase(
        prepare=lambda order, t0, m: return_agreed(order, t0),
        final=lambda d, t0, m, sweep: services.ship_return(
            dispute=d,
            buyer=d.buyer,
            carrier=Carrier.UPS,
            tracking_number="1Z999AA10123456784",
            now=t0 + 2 * DAY,
        ),
        told={"seller": True},
    ),
    "return_received": DisputeCase(
        prepare=lambda order, t0, m: return_shipped(order, t0),
        final=lambda d, t0, m, sweep: services.confirm_return_received(
            dispute=d, seller=d.store.owner, now=t0 + 5 * DAY
        ),
        told={"buyer": False},
    ),
    "return_problem": DisputeCase(
        prepare=lambda order, t0, m: return_shipped(order, t0),
        final=lambda d, t0, m, sweep: services.report_return_problem(
            dispute=d, seller=d.store.owner, note="The box was empty", evidence=[], now=t0 + 5 * DAY
        ),
        told={"buyer": False},
    ),
    "evidence_added": DisputeCase(
        prepare=lambda order, t0, m: opened(order, t0),
        final=lambda d, t0, m, sweep: (
            services.add_evidence(
                dispute=d, user=d.store.owner, files=evidence_files("label.jpg"), note="Label", now=t0 + DAY
            ),
            job_for_latest(d, DisputeEvent.Type.EVIDENCE_ADDED),
        ),
        told={"buyer": False},
    ),
    "evidence_requested": DisputeCase(
        prepare=lambda order, t0, m: escalated(order, t0),
        final=lambda d, t0, m, sweep: services.request_evidence(
            dispute=d,
            mediator=m,
            party=Party.BUYER,
            note="A photo of the parcel label",
            due_at=t0 + 8 * DAY,
            now=t0 + 3 * DAY,
        ),
        told={"buyer": True, "seller": False},
    ),
    "evidence_provided": DisputeCase(
        prepare=lambda order, t0, m: evidence_asked(order, t0, m),
        final=lambda d, t0, m, sweep: services.provide_evidence(
            dispute=d, user=d.buyer, note="Here is the label", files=[], now=t0 + 4 * DAY
        ),
        told={"seller": False},
    ),
    "decided": DisputeCase(
        prepare=lambda order, t0, m: escalated(order, t0),
        final=lambda d, t0, m, sweep: services.decide_dispute(
            dispute=d,
            mediator=m,
            decision=D.FULL_REFUND,
            amount=None,
            note="No proof of delivery.",
            now=t0 + 4 * DAY,
        ),
        told={"buyer": False, "seller": False},
    ),
    "auto_resolved": DisputeCase(
        prepare=lambda order, t0, m: opened(order, t0),
        final=lambda d, t0, m, sweep: sweep(d.deadline_at),
        told={"buyer": False, "seller": False},
    ),
    "deadline_extended": DisputeCase(
        prepare=lambda order, t0, m: opened(order, t0),
        final=lambda d, t0, m, sweep: services.extend_deadline(dispute=d, user=d.buyer, days=3, now=t0 + DAY),
        told={"seller": True},
    ),
    "assigned": DisputeCase(
        prepare=lambda order, t0, m: escalated(order, t0),
        final=lambda d, t0, m, sweep: (
            services.assign_to_mediator(dispute=d, mediator=m, now=t0 + 3 * DAY),
            job_for_latest(d, DisputeEvent.Type.ASSIGNED),
        ),
        told={"buyer": False, "seller": False},
    ),
    "reminder_sent": DisputeCase(
        prepare=lambda order, t0, m: opened(order, t0),
        final=lambda d, t0, m, sweep: sweep(d.deadline_at - timedelta(hours=48)),
        told={"seller": True},
    ),
    "mediator_message": DisputeCase(
        prepare=lambda order, t0, m: escalated(order, t0),
        final=lambda d, t0, m, sweep: services.post_mediator_message(
            dispute=d, mediator=m, text="Please both upload photos", now=t0 + 3 * DAY
        ),
        told={"buyer": False, "seller": False},
    ),
}


def test_every_dispute_event_with_a_message_has_a_case_here():
    assert set(CASES) == set(DISPUTE_TITLES)


@pytest.fixture
def t0(now):
    return now + 10 * DAY


@pytest.mark.parametrize("event_type", CASES)
def test_a_dispute_event_emails_each_party_it_concerns_with_the_next_step_and_a_link(
    event_type, order, buyer, seller, mediator, t0, jobs, sweep, mailoutbox
):
    case = CASES[event_type]
    subject = case.prepare(order, t0, mediator)
    with jobs():
        case.final(subject, t0, mediator, sweep)

    dispute = Dispute.objects.get(order=order)
    (event,) = dispute.events.filter(type=event_type)
    people = {"buyer": buyer, "seller": seller}
    notified = Notification.objects.filter(dedupe_key=f"dispute-event:{event.pk}")
    assert {n.recipient for n in notified} == {people[role] for role in case.told}
    link = settings.SITE_URL + reverse("disputes:detail", kwargs={"pk": dispute.pk})
    title = DISPUTE_TITLES[event_type] % {"reference": dispute.reference, "number": order.number}
    for role, must_act in case.told.items():
        person = people[role]
        (mail,) = [m for m in mails_to(mailoutbox, person) if m.subject == title]
        assert link in mail.body and f'href="{link}"' in html_of(mail)
        notification = notified.get(recipient=person)
        assert (notification.title, notification.kind) == (title, f"dispute.{event_type}")
        if must_act:
            assert notification.act_by == dispute.deadline_at and notification.essential
            assert f"By {dispute.deadline_at:%-d %b %Y, %H:%M} UTC" in mail.body
            assert selectors.deadline_sentence(dispute) in mail.body
        elif dispute.is_open:
            assert notification.act_by is None
            assert selectors.next_step_sentence(dispute) in mail.body
        else:
            assert notification.act_by is None and notification.essential
            assert selectors.outcome_sentence(dispute) in mail.body


def test_the_opening_tells_the_seller_the_claim_and_what_happens_if_they_stay_silent(
    order, seller, t0, jobs, mailoutbox
):
    with jobs():
        dispute = opened(order, t0, reason="damaged", amount=Decimal("25.00"), with_return=True)

    (mail,) = mails_to(mailoutbox, seller)
    assert "The buyer opened a dispute on order" in mail.body
    assert "Arrived damaged. They ask for a refund of 25.00 USD and will send the item back." in mail.body
    due = f"{dispute.deadline_at:%-d %b %Y, %H:%M}"
    assert f"By {due} UTC: Accept, make a counter-offer, or reject with a reason." in mail.body
    assert f"If nobody acts by {due}, the buyer's request is accepted" in mail.body


def test_the_parties_read_the_mediators_words(order, buyer, seller, mediator, t0, jobs, mailoutbox):
    dispute = escalated(order, t0)
    with jobs():
        services.post_mediator_message(
            dispute=dispute, mediator=mediator, text="Please both upload photos", now=t0 + 3 * DAY
        )

    for party in (buyer, seller):
        (mail,) = mails_to(mailoutbox, party)
        assert "“Please both upload photos”" in mail.body


def test_a_reminder_goes_only_to_the_party_who_must_act_with_the_hours_left(
    order, buyer, seller, t0, sweep, mailoutbox
):
    dispute = opened(order, t0)

    sweep(dispute.deadline_at - timedelta(hours=24))

    assert mails_to(mailoutbox, buyer) == []
    (mail,) = mails_to(mailoutbox, seller)
    assert mail.subject == f"Reminder: dispute {dispute.reference} needs your action"
    assert f"24 hours left to act on dispute {dispute.reference}." in mail.body


def test_the_clock_acting_tells_both_parties_how_it_ended(order, buyer, seller, t0, mailoutbox, sweep):
    dispute = opened(order, t0)
    deadlines.enforce_all(now=dispute.deadline_at - timedelta(hours=48))

    sweep(dispute.deadline_at)

    dispute.refresh_from_db()
    for party in (buyer, seller):
        (mail,) = [m for m in mails_to(mailoutbox, party) if "a deadline passed" in m.subject]
        assert "Decided automatically: the seller did not respond by" in mail.body
        assert selectors.outcome_sentence(dispute) in mail.body
