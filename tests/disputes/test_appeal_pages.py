"""The appeal on the parties' dispute pages, and its e-mails: the offer with its last day in the
viewer's zone, filing, answering, refusals with nothing stored, the final decision shown."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from disputes import policy, services
from disputes.models import Appeal
from tests.factories import evidence_files, image_upload, mediator_user, open_dispute_for, ship

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def decided_at(now):
    return now + timedelta(days=12)


@pytest.fixture
def lost_by_buyer(order, now, seller, buyer, mediator, decided_at, django_capture_on_commit_callbacks):
    order = ship(order, at=now + DAY)
    dispute = open_dispute_for(order, at=now + 8 * DAY, amount=Decimal("60.00"))
    services.reject_request(dispute=dispute, seller=seller, note="Delivered", evidence=[], now=now + 9 * DAY)
    services.escalate_dispute(dispute=dispute, user=buyer, note="Never came", now=now + 10 * DAY)
    return services.decide_dispute(
        dispute=dispute,
        mediator=mediator,
        decision=services.Decision.REJECT,
        amount=None,
        note="Tracking shows delivery",
        now=decided_at,
    )


def page(client, user, dispute):
    client.force_login(user)
    response = client.get(reverse("disputes:detail", args=[dispute.pk]))
    assert response.status_code == 200
    return response.content.decode()


def post_appeal(client, user, dispute, **data):
    client.force_login(user)
    payload = {
        "reason": "The box was empty: see the scale photo",
        "evidence": [image_upload("scale.jpg")],
        **data,
    }
    return client.post(reverse("disputes:file_appeal", args=[dispute.pk]), payload)


def test_the_buyer_sees_the_appeal_offer_with_its_last_day_in_their_zone(
    client, buyer, lost_by_buyer, decided_at, time_machine
):
    buyer.time_zone = "Asia/Tokyo"
    buyer.save()
    time_machine.move_to(decided_at + DAY, tick=False)

    html = page(client, buyer, lost_by_buyer)

    # Decided 13 Nov 2026, 12:00 UTC: 30 days later is 13 Dec, 21:00 in Tokyo.
    assert "Appeal this decision (until 13 December 2026, 21:00 JST)" in html
    assert f'action="/disputes/{lost_by_buyer.pk}/appeal/"' in html


def test_the_buyer_files_an_appeal_and_sees_its_state_and_deadline(
    client, buyer, lost_by_buyer, decided_at, time_machine
):
    time_machine.move_to(decided_at + DAY, tick=False)

    response = post_appeal(client, buyer, lost_by_buyer)

    assert response.status_code == 302
    appeal = Appeal.objects.get(dispute=lost_by_buyer)
    assert (appeal.appellant, appeal.reason) == ("buyer", "The box was empty: see the scale photo")
    assert lost_by_buyer.evidence.filter(party="buyer", original_name="scale.jpg").exists()
    html = page(client, buyer, lost_by_buyer)
    assert "Waiting for the other party&#x27;s answer" in html
    assert "The seller can answer until" in html
    assert "Appeal this decision" not in html


def test_the_seller_answers_from_the_dispute_page(
    client, buyer, seller, lost_by_buyer, decided_at, time_machine
):
    time_machine.move_to(decided_at + DAY, tick=False)
    post_appeal(client, buyer, lost_by_buyer)

    html = page(client, seller, lost_by_buyer)
    assert "Your answer is due by" in html
    client.post(reverse("disputes:answer_appeal", args=[lost_by_buyer.pk]), {"answer": "It left full"})

    appeal = Appeal.objects.get(dispute=lost_by_buyer)
    assert (appeal.state, appeal.answer) == ("in_review", "It left full")
    assert "A different mediator from the one who decided is reviewing the appeal" in page(
        client, buyer, lost_by_buyer
    )


def test_an_appeal_without_new_evidence_shows_the_error_next_to_the_field_and_stores_nothing(
    client, buyer, lost_by_buyer, decided_at, time_machine
):
    time_machine.move_to(decided_at + DAY, tick=False)

    response = post_appeal(client, buyer, lost_by_buyer, evidence=[])

    assert response.status_code == 400
    assert 'id="id_file_appeal_evidence"' in response.content.decode()
    assert "This field is required." in response.content.decode()
    assert not Appeal.objects.filter(dispute=lost_by_buyer).exists()


def test_an_appeal_after_30_days_is_refused_with_a_message(
    client, buyer, lost_by_buyer, decided_at, time_machine
):
    time_machine.move_to(decided_at + policy.APPEAL_WINDOW + DAY, tick=False)
    assert "The time to appeal this decision ended on" in page(client, buyer, lost_by_buyer)

    response = post_appeal(client, buyer, lost_by_buyer)

    assert response.status_code == 302
    assert any("ended on" in str(m) for m in get_messages(response.wsgi_request))
    assert not Appeal.objects.filter(dispute=lost_by_buyer).exists()


def test_a_stranger_gets_a_404_and_nothing_is_stored(
    client, other_buyer, lost_by_buyer, decided_at, time_machine
):
    time_machine.move_to(decided_at + DAY, tick=False)

    response = post_appeal(client, other_buyer, lost_by_buyer)

    assert response.status_code == 404
    assert not Appeal.objects.filter(dispute=lost_by_buyer).exists()


def test_a_second_appeal_by_the_other_party_is_refused(
    client, buyer, seller, lost_by_buyer, decided_at, time_machine
):
    time_machine.move_to(decided_at + DAY, tick=False)
    post_appeal(client, buyer, lost_by_buyer)

    response = post_appeal(client, seller, lost_by_buyer)

    assert any("already appealed" in str(m) for m in get_messages(response.wsgi_request))
    assert Appeal.objects.filter(dispute=lost_by_buyer).count() == 1


def test_the_final_decision_is_shown_as_final_to_both(
    client, buyer, seller, lost_by_buyer, decided_at, time_machine
):
    appeal = services.file_appeal(
        dispute=lost_by_buyer, user=buyer, reason="Empty", files=evidence_files("a.jpg"), now=decided_at + DAY
    )
    services.answer_appeal(appeal=appeal, user=seller, text="Full", files=[], now=decided_at + 2 * DAY)
    services.decide_appeal(
        appeal=appeal,
        mediator=mediator_user(),
        decision=services.AppealDecision.FULL_REFUND,
        amount=None,
        note="The scale photo shows 40 g",
        now=decided_at + 3 * DAY,
    )
    time_machine.move_to(decided_at + 4 * DAY, tick=False)

    for user in (buyer, seller):
        html = page(client, user, lost_by_buyer)
        assert "This decision is final: it cannot be appealed again." in html
        assert "the difference of 60.00 USD is refunded to the buyer" in html
        assert "Changed on appeal in the buyer&#x27;s favour: a refund of 60.00 USD in total." in html
        assert "Resolved for the seller: no refund." not in html
        assert "Appeal this decision" not in html


# --- e-mails -----------------------------------------------------------------------------------------------
def test_both_parties_are_emailed_at_filing_answer_and_decision_in_their_zone(
    buyer, seller, lost_by_buyer, decided_at, mailoutbox, django_capture_on_commit_callbacks
):
    seller.time_zone = "Asia/Shanghai"
    seller.save()
    ref = lost_by_buyer.reference
    with django_capture_on_commit_callbacks(execute=True):
        appeal = services.file_appeal(
            dispute=lost_by_buyer,
            user=buyer,
            reason="Empty box",
            files=evidence_files("a.jpg"),
            now=decided_at + DAY,
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_appeal(
            appeal=appeal, user=seller, text="It was full", files=[], now=decided_at + 2 * DAY
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_appeal(
            appeal=appeal,
            mediator=mediator_user(),
            decision=services.AppealDecision.UPHOLD,
            amount=None,
            note="No change",
            now=decided_at + 3 * DAY,
        )

    subjects = {(m.to[0], m.subject) for m in mailoutbox}
    for user in (buyer, seller):
        assert (user.email, f"Dispute {ref}: the decision was appealed") in subjects
        assert (user.email, f"Dispute {ref}: the appeal was answered") in subjects
        assert (user.email, f"Dispute {ref}: the appeal was decided (final)") in subjects
    (filed,) = [m for m in mailoutbox if m.to == [seller.email] and "appealed" in m.subject]
    # Filed 14 Nov 12:00 UTC; the answer is due 7 days later, 20:00 in Shanghai.
    assert "can answer by 21 Nov 2026, 20:00 CST" in filed.body
    assert "By 21 Nov 2026, 20:00 CST: Answer the appeal on the dispute page" in filed.body
    assert "“Empty box”" in filed.body
    (decided,) = [m for m in mailoutbox if m.to == [buyer.email] and "decided" in m.subject]
    assert "This decision is final and cannot be appealed again." in decided.body
