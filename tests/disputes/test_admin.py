"""The mediation console: who gets in, the case page, and every decision through the admin."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from disputes import services
from disputes.models import Dispute, DisputeEvent, Party, Proposal
from orders.models import Order, Refund
from portal.accounts.roles import MEDIATORS_GROUP
from tests.factories import (
    OrderFactory,
    StoreFactory,
    UserFactory,
    evidence_files,
    mediator_user,
    open_dispute_for,
    ship,
)

pytestmark = pytest.mark.django_db

S = Dispute.State
D = services.Decision
DAY = timedelta(days=1)


def escalated_dispute(order: Order, *, at: datetime, amount: Decimal = Decimal("60.00"), **claim) -> Dispute:
    """Ship the order, open a dispute, have the seller counter-offer and the buyer escalate:
    a case in mediation, built through the real services. ``at`` is the escalation time."""
    order = ship(order, at=at - 9 * DAY)
    dispute = open_dispute_for(order, at=at - 2 * DAY, amount=amount, **claim)
    services.counter_offer(
        dispute=dispute,
        seller=order.store.owner,
        amount=amount / 2,
        with_return=False,
        note="Half of it",
        evidence=[],
        now=at - DAY,
    )
    return services.escalate_dispute(dispute=dispute, user=order.buyer, note="Not enough", now=at)


def without_permission(codename: str) -> None:
    """Take one permission away from the Mediators group (rolled back with the test)."""
    Group.objects.get(name=MEDIATORS_GROUP).permissions.remove(
        Permission.objects.get(content_type__app_label="disputes", codename=codename)
    )


def case_url(dispute: Dispute) -> str:
    return reverse("admin:disputes_dispute_change", args=[dispute.pk])


def action_url(dispute: Dispute, name: str) -> str:
    return reverse(f"admin:disputes_dispute_{name}", args=[dispute.pk])


@pytest.fixture
def escalated_at(now) -> datetime:
    return now + timedelta(days=10)


@pytest.fixture
def dispute(order, escalated_at) -> Dispute:
    return escalated_dispute(order, at=escalated_at, reason="damaged", evidence=evidence_files("dent.jpg"))


@pytest.fixture
def clock(time_machine, escalated_at):
    """The admin reads the real clock: put it a day after the escalation."""
    time_machine.move_to(escalated_at + DAY, tick=False)
    return escalated_at + DAY


@pytest.fixture
def mediator_client(client, mediator, clock):
    client.force_login(mediator)
    return client


def decide(client, dispute, decision, *, note="The photos show the dent clearly.", **fields):
    return client.post(
        action_url(dispute, "decide"), {"decision": decision, "note": note, "confirm": "1", **fields}
    )


def mails_about(mailoutbox, dispute, user):
    return [m for m in mailoutbox if m.to == [user.email] and dispute.reference in m.subject]


# --- access ------------------------------------------------------------------------------------------------
def test_staff_outside_the_mediators_group_cannot_enter_the_admin(client, staff_non_mediator, dispute):
    client.force_login(staff_non_mediator)

    for url in (reverse("admin:index"), case_url(dispute), reverse("admin:disputes_dispute_statistics")):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url


def test_staff_holding_the_decide_permission_outside_the_group_still_cannot_decide(
    client, staff_non_mediator, dispute, clock
):
    staff_non_mediator.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="disputes", codename__in=["view_dispute", "decide_dispute"]
        )
    )
    client.force_login(staff_non_mediator)

    response = decide(client, dispute, D.FULL_REFUND)

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    dispute.refresh_from_db()
    assert dispute.state == S.IN_MEDIATION


def test_buyers_and_sellers_cannot_enter_the_admin(client, buyer, seller, dispute):
    for user in (buyer, seller):
        client.force_login(user)
        assert client.get(case_url(dispute)).status_code == 302


def test_a_mediator_without_the_decide_permission_is_refused_and_nothing_changes(
    client, dispute, clock, mailoutbox, django_capture_on_commit_callbacks
):
    without_permission("decide_dispute")
    reader = mediator_user(username="rita_reader")
    client.force_login(reader)
    events = dispute.events.count()

    page = client.get(case_url(dispute))
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, dispute, D.FULL_REFUND)

    assert page.status_code == 200
    assert 'id="decide-full_refund"' not in page.content.decode()
    assert "You may read this case but not decide it." in page.content.decode()
    assert response.status_code == 403
    dispute.refresh_from_db()
    assert (dispute.state, dispute.events.count(), dispute.refunds.count()) == (S.IN_MEDIATION, events, 0)
    assert mailoutbox == []


def test_a_mediator_without_the_request_evidence_permission_is_refused(client, dispute, clock):
    without_permission("request_evidence")
    client.force_login(mediator_user())

    response = client.post(
        action_url(dispute, "request_evidence"), {"party": Party.BUYER, "note": "A photo of the label"}
    )

    assert response.status_code == 403
    dispute.refresh_from_db()
    assert dispute.state == S.IN_MEDIATION


def test_actions_answer_get_with_405(mediator_client, dispute):
    for name in ("decide", "request_evidence", "note", "assign"):
        assert mediator_client.get(action_url(dispute, name)).status_code == 405


def test_a_superuser_can_decide_too(client, superuser, dispute, clock):
    client.force_login(superuser)

    response = decide(client, dispute, D.REJECT)

    assert response.status_code == 302
    dispute.refresh_from_db()
    assert (dispute.state, dispute.decided_by) == (S.RESOLVED_SELLER, superuser)


# --- the case page -----------------------------------------------------------------------------------------
def test_the_case_page_shows_order_proposals_evidence_chat_timeline_and_history(
    mediator_client, dispute, buyer, seller, django_capture_on_commit_callbacks
):
    from messaging import services as messaging

    messaging.send_message(
        order=dispute.order, sender=buyer, body="Where is my parcel?", photos=[], now=dispute.opened_at
    )
    older = OrderFactory(buyer=buyer, store=StoreFactory(name="Other Shop"))
    with django_capture_on_commit_callbacks(execute=True):
        # The evidence's display copies are made by a job after commit.
        from disputes.evidence import process_evidence

        for evidence in dispute.evidence.all():
            process_evidence(evidence_id=evidence.pk)
    previous = escalated_dispute(older, at=dispute.escalated_at - 30 * DAY)
    services.withdraw_dispute(dispute=previous, buyer=buyer, now=dispute.escalated_at - 29 * DAY)

    page = mediator_client.get(case_url(dispute))

    html = page.content.decode()
    assert page.status_code == 200
    evidence = dispute.evidence.get()
    for expected in (
        dispute.order.number,
        "Wireless earbuds",
        "LX123456789CN",  # the tracking number
        "Half of it",  # the seller's counter-offer
        "Counter-offer",
        reverse("disputes:evidence", args=[evidence.public_id, "thumb"]),
        reverse("disputes:evidence", args=[evidence.public_id, "original"]),
        evidence.sha256,
        "Where is my parcel?",
        "Escalated to mediation",
        "Not enough",  # the escalation note, on the timeline
        "Other Shop",  # the buyer's other dispute, in another store
        previous.reference,
    ):
        assert expected in html, expected
    assert 'id="decide-full_refund"' in html and 'id="request-evidence"' in html
    # Everything is read-only: no model form, no save buttons.
    assert 'name="_save"' not in html and 'id="dispute_form"' not in html


def test_the_case_page_offers_the_services_refund_ceiling(mediator_client, dispute, clock):
    """The ceiling is read from the prefetched refunds; it must say what the services would."""
    from disputes.admin import selectors as admin_selectors

    for amount, status in [(Decimal("15.00"), Refund.Status.PAID), (Decimal("20.00"), Refund.Status.FAILED)]:
        Refund.objects.create(
            order=dispute.order,
            amount=amount,
            currency=dispute.currency,
            reason=Refund.Reason.NOT_SHIPPED,
            status=status,
            created_at=clock,
        )

    page = mediator_client.get(case_url(dispute))

    ceiling = page.context["max_refund_now"]
    assert ceiling == services.refund_ceiling(Dispute.objects.get(pk=dispute.pk))
    assert ceiling == admin_selectors.max_refund_now(dispute) < dispute.max_refund


def test_the_case_page_lists_the_parties_other_disputes_latest_first(
    mediator_client, dispute, buyer, store, clock
):
    """Both histories come from one query: the counts, and the latest disputes besides this one."""
    from disputes.admin.selectors import HISTORY_ROWS

    at = dispute.opened_at - 60 * DAY

    def other_dispute(n: int, **order) -> Dispute:
        shipped = ship(OrderFactory(paid_at=at, **order), at=at + DAY)
        return open_dispute_for(shipped, at=at + 8 * DAY + n * timedelta(hours=1))

    mine = [other_dispute(n, buyer=buyer, store=StoreFactory()) for n in range(HISTORY_ROWS + 1)]
    theirs = [other_dispute(n, store=store) for n in range(2)]
    services.withdraw_dispute(dispute=mine[0], buyer=buyer, now=at + 9 * DAY)

    context = mediator_client.get(case_url(dispute)).context

    buyer_history, store_history = context["buyer_history"], context["store_history"]
    assert [d.pk for d in buyer_history.recent] == [d.pk for d in reversed(mine)][:HISTORY_ROWS]
    assert [d.pk for d in store_history.recent] == [d.pk for d in reversed(theirs)]
    assert (buyer_history.total, buyer_history.open, buyer_history.withdrawn) == (
        HISTORY_ROWS + 2,
        HISTORY_ROWS + 1,
        1,
    )
    assert (store_history.total, store_history.open, store_history.mediated) == (3, 3, 1)
    first = buyer_history.recent[0]
    assert (first.order_number, first.store_name) == (first.order.number, first.store.name)
    assert store_history.recent[0].buyer_username == theirs[-1].buyer.username
    assert context["store_orders"] == Order.objects.filter(store=store).count()


def test_a_busy_stores_newer_disputes_do_not_push_the_buyers_history_off_the_case_page(
    mediator_client, dispute, buyer, store, clock
):
    """The query keeps 2 * (HISTORY_ROWS + 1) rows, sorted by each row's place in its party's
    history. A store with more disputes than that, all newer than the buyer's, must not crowd the
    buyer's out: on PostgreSQL the place "neither party's" once went as an integer too big for
    ``integer`` and wrapped round to the smallest, putting every such row first."""
    from disputes.admin.selectors import HISTORY_ROWS

    at = dispute.opened_at - 60 * DAY

    def other_dispute(n: int, **order) -> Dispute:
        shipped = ship(OrderFactory(paid_at=at, **order), at=at + DAY)
        return open_dispute_for(shipped, at=at + 8 * DAY + n * timedelta(hours=1))

    mine = [other_dispute(n, buyer=buyer, store=StoreFactory()) for n in range(2)]
    theirs = [other_dispute(n, store=store) for n in range(10, 10 + 2 * (HISTORY_ROWS + 1) + 1)]

    context = mediator_client.get(case_url(dispute)).context

    assert [d.pk for d in context["buyer_history"].recent] == [d.pk for d in reversed(mine)]
    assert [d.pk for d in context["store_history"].recent] == [d.pk for d in reversed(theirs)][:HISTORY_ROWS]
    assert (context["buyer_history"].total, context["store_history"].total) == (3, len(theirs) + 1)


def test_the_case_page_plays_videos(mediator_client, dispute, buyer, clock):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from disputes.models import Evidence

    Evidence.objects.create(
        dispute=dispute,
        uploaded_by=buyer,
        party=Party.BUYER,
        kind=Evidence.Kind.VIDEO,
        content_type="video/mp4",
        extension=".mp4",
        original=SimpleUploadedFile("unboxing.mp4", b"\x00\x00\x00\x18ftypmp42"),
        original_name="unboxing.mp4",
        size=12,
        sha256="ab" * 32,
        status=Evidence.Status.READY,
        received_at=clock,
    )

    html = mediator_client.get(case_url(dispute)).content.decode()

    assert "<video controls" in html and "unboxing.mp4" in html and "ab" * 32 in html


def test_a_closed_case_shows_the_decision_and_no_buttons(mediator_client, dispute, mediator, clock):
    services.decide_dispute(
        dispute=dispute, mediator=mediator, decision=D.REJECT, amount=None, note="No proof", now=clock
    )

    html = mediator_client.get(case_url(dispute)).content.decode()

    assert "No proof" in html and "not in mediation" in html
    assert 'id="decide-full_refund"' not in html


def test_nothing_about_a_dispute_can_be_added_changed_or_deleted(client, superuser, dispute, clock):
    client.force_login(superuser)

    add = client.get(reverse("admin:disputes_dispute_add"))
    delete = client.post(reverse("admin:disputes_dispute_delete", args=[dispute.pk]), {"post": "yes"})
    change = client.post(case_url(dispute), {"state": S.RESOLVED_BUYER})
    listing = client.get(reverse("admin:disputes_dispute_changelist"))

    assert add.status_code == 403
    assert delete.status_code == 403
    assert change.status_code == 403
    assert "delete_selected" not in listing.content.decode()
    dispute.refresh_from_db()
    assert dispute.state == S.IN_MEDIATION


# --- decisions through the admin -------------------------------------------------------------------------
def test_a_full_refund_decided_in_the_admin_refunds_records_and_tells_both_parties(
    mediator_client, dispute, mediator, mailoutbox, django_capture_on_commit_callbacks, clock
):
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(mediator_client, dispute, D.FULL_REFUND)

    assert response.status_code == 302 and response["Location"] == case_url(dispute)
    dispute.refresh_from_db()
    assert (dispute.state, dispute.outcome, dispute.decided_by) == (
        S.RESOLVED_BUYER,
        Dispute.Outcome.FULL_REFUND,
        mediator,
    )
    assert dispute.decision_note == "The photos show the dent clearly."
    event = dispute.events.get(type=DisputeEvent.Type.DECIDED)
    assert (event.actor, event.from_state, event.to_state, event.created_at) == (
        mediator,
        S.IN_MEDIATION,
        S.RESOLVED_BUYER,
        clock,
    )
    refund = Refund.objects.get(dispute=dispute)
    assert (refund.amount, refund.status) == (Decimal("60.00"), Refund.Status.PAID)
    assert dispute.proposals.get(kind=Proposal.Kind.DECISION).amount == Decimal("60.00")
    for party in (dispute.buyer, dispute.store.owner):
        (mail,) = mails_about(mailoutbox, dispute, party)
        assert "decided by a mediator" in mail.subject and "The photos show the dent clearly." in mail.body
    page = mediator_client.get(case_url(dispute)).content.decode()
    assert "Decided: Full refund" in page  # the success message


def test_a_partial_refund_decided_in_the_admin(
    mediator_client, dispute, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decide(mediator_client, dispute, D.PARTIAL_REFUND, amount="25.00")

    dispute.refresh_from_db()
    assert (dispute.state, dispute.outcome, dispute.refund_amount) == (
        S.RESOLVED_BUYER,
        Dispute.Outcome.PARTIAL_REFUND,
        Decimal("25.00"),
    )
    assert Refund.objects.get(dispute=dispute).amount == Decimal("25.00")
    assert dispute.events.filter(type=DisputeEvent.Type.DECIDED).count() == 1
    assert len(mails_about(mailoutbox, dispute, dispute.buyer)) == 1
    assert len(mails_about(mailoutbox, dispute, dispute.store.owner)) == 1


def test_a_refund_after_return_waits_for_the_return(
    mediator_client, dispute, mailoutbox, django_capture_on_commit_callbacks, clock
):
    with django_capture_on_commit_callbacks(execute=True):
        decide(mediator_client, dispute, D.REFUND_AFTER_RETURN)

    dispute.refresh_from_db()
    assert (dispute.state, dispute.agreed_amount, dispute.agreed_return) == (
        S.AWAITING_RETURN,
        Decimal("60.00"),
        True,
    )
    assert dispute.return_address == dispute.store.return_address
    assert dispute.deadline_party == Party.BUYER
    assert not Refund.objects.filter(dispute=dispute).exists()
    event = dispute.events.get(type=DisputeEvent.Type.DECIDED)
    assert (event.from_state, event.to_state) == (S.IN_MEDIATION, S.AWAITING_RETURN)
    (mail,) = mails_about(mailoutbox, dispute, dispute.buyer)
    assert "ship the item back" in mail.body.lower()


def test_rejecting_the_claim_in_the_admin_pays_nothing(
    mediator_client, dispute, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decide(mediator_client, dispute, D.REJECT, note="The photos show no damage.")

    dispute.refresh_from_db()
    assert (dispute.state, dispute.outcome, dispute.refund_amount) == (
        S.RESOLVED_SELLER,
        Dispute.Outcome.NO_REFUND,
        Decimal("0.00"),
    )
    assert not Refund.objects.filter(dispute=dispute).exists()
    assert dispute.events.get(type=DisputeEvent.Type.DECIDED).to_state == S.RESOLVED_SELLER
    for party in (dispute.buyer, dispute.store.owner):
        (mail,) = mails_about(mailoutbox, dispute, party)
        assert "The photos show no damage." in mail.body


def test_a_decision_without_a_reason_is_sent_back_with_the_form(mediator_client, dispute):
    response = decide(mediator_client, dispute, D.FULL_REFUND, note="  ")

    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert '<details id="decide-full_refund" class="decision" open>' in html
    dispute.refresh_from_db()
    assert dispute.state == S.IN_MEDIATION
    assert not dispute.events.filter(type=DisputeEvent.Type.DECIDED).exists()


def test_a_partial_refund_needs_an_amount(mediator_client, dispute):
    response = decide(mediator_client, dispute, D.PARTIAL_REFUND)

    assert response.status_code == 400
    assert "Enter the amount of the partial refund." in response.content.decode()


def test_a_partial_refund_above_what_can_be_refunded_is_shown_next_to_the_amount(mediator_client, dispute):
    response = decide(mediator_client, dispute, D.PARTIAL_REFUND, amount="60.01", note="Too much")

    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter an amount between 0.01 and 60.00 USD." in html
    assert 'value="60.01"' in html and "Too much" in html  # what was typed is kept
    dispute.refresh_from_db()
    assert dispute.state == S.IN_MEDIATION and not dispute.refunds.exists()


def test_deciding_a_case_that_is_no_longer_in_mediation_shows_the_services_refusal(
    mediator_client, dispute, mediator, clock
):
    services.decide_dispute(
        dispute=dispute, mediator=mediator, decision=D.REJECT, amount=None, note="x", now=clock
    )

    response = decide(mediator_client, dispute, D.FULL_REFUND)

    assert response.status_code == 302
    page = mediator_client.get(response["Location"]).content.decode()
    assert "This dispute is not waiting for a decision." in page
    assert not Refund.objects.filter(dispute=dispute).exists()


def test_refund_after_return_is_refused_when_the_store_has_no_return_address(mediator_client, dispute):
    type(dispute.store).objects.filter(pk=dispute.store_id).update(return_address="")

    response = decide(mediator_client, dispute, D.REFUND_AFTER_RETURN)

    page = mediator_client.get(response["Location"]).content.decode()
    assert "The store has no return address" in page
    dispute.refresh_from_db()
    assert dispute.state == S.IN_MEDIATION


# --- evidence requests, notes, assignment ------------------------------------------------------------------
@pytest.mark.parametrize("party", [Party.BUYER, Party.SELLER])
def test_a_mediator_requests_evidence_from_a_party_by_a_date(
    mediator_client, dispute, mediator, party, clock, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = mediator_client.post(
            action_url(dispute, "request_evidence"),
            {"party": party, "note": "A photo of the shipping label", "due_at": "2026-11-15T18:30"},
        )

    assert response.status_code == 302
    dispute.refresh_from_db()
    assert (dispute.state, dispute.evidence_requested_from, dispute.deadline_party) == (
        S.EVIDENCE_REQUESTED,
        party,
        party,
    )
    assert dispute.deadline_at == datetime.fromisoformat("2026-11-15T18:30:00+00:00")
    event = dispute.events.get(type=DisputeEvent.Type.EVIDENCE_REQUESTED)
    assert (event.actor, event.to_state) == (mediator, S.EVIDENCE_REQUESTED)
    asked = dispute.buyer if party == Party.BUYER else dispute.store.owner
    (mail,) = mails_about(mailoutbox, dispute, asked)
    assert "A photo of the shipping label" in mail.body


def test_an_evidence_request_is_due_after_the_policy_window_by_default(mediator_client, dispute, clock):
    mediator_client.post(action_url(dispute, "request_evidence"), {"party": Party.BUYER, "note": "Photo"})

    dispute.refresh_from_db()
    assert dispute.deadline_at == clock + timedelta(days=5)


def test_an_evidence_request_due_in_the_past_is_refused_next_to_the_date(mediator_client, dispute):
    response = mediator_client.post(
        action_url(dispute, "request_evidence"),
        {"party": Party.BUYER, "note": "Photo", "due_at": "2026-11-01T10:00"},
    )

    page = mediator_client.get(response["Location"]).content.decode()
    assert "The due date must be in the future." in page
    dispute.refresh_from_db()
    assert dispute.state == S.IN_MEDIATION


def test_a_mediator_note_reaches_both_parties(
    mediator_client, dispute, mediator, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = mediator_client.post(action_url(dispute, "note"), {"text": "Please keep the packaging."})

    assert response.status_code == 302
    event = dispute.events.get(type=DisputeEvent.Type.MEDIATOR_MESSAGE)
    assert (event.actor, event.note) == (mediator, "Please keep the packaging.")
    for party in (dispute.buyer, dispute.store.owner):
        (mail,) = mails_about(mailoutbox, dispute, party)
        assert "Please keep the packaging." in mail.body


def test_a_mediator_takes_the_case_from_the_case_page(mediator_client, dispute, mediator):
    response = mediator_client.post(action_url(dispute, "assign"))

    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.assigned_mediator == mediator
    assert dispute.events.filter(type=DisputeEvent.Type.ASSIGNED, actor=mediator).count() == 1


def test_each_admin_decision_is_also_in_the_admin_history(mediator_client, dispute):
    decide(mediator_client, dispute, D.REJECT)

    history = mediator_client.get(reverse("admin:disputes_dispute_history", args=[dispute.pk]))

    assert "Decided: Reject the claim" in history.content.decode()


# --- other admin pages -------------------------------------------------------------------------------------
def test_a_mediator_reads_the_other_consoles_pages(mediator_client, dispute):
    urls = [
        reverse("admin:index"),
        reverse("admin:orders_order_change", args=[dispute.order_id]),
        reverse("admin:orders_order_changelist"),
        reverse("admin:orders_refund_changelist") + "?status__exact=failed",
        reverse("admin:orders_store_change", args=[dispute.store_id]),
        reverse("admin:accounts_user_changelist"),
    ]
    for url in urls:
        assert mediator_client.get(url).status_code == 200, url


def test_a_superuser_adds_a_user_to_the_mediators_group(client, superuser):
    person = UserFactory(username="new_mediator")
    client.force_login(superuser)
    page = client.get(reverse("admin:accounts_user_change", args=[person.pk]))
    assert 'name="time_zone"' in page.content.decode()
    assert 'name="language"' in page.content.decode()

    data = {
        "username": "new_mediator",
        "email": person.email,
        "first_name": "New",
        "last_name": "",
        "is_active": "on",
        "is_staff": "on",
        "groups": [Group.objects.get(name=MEDIATORS_GROUP).pk],
        "time_zone": "Europe/Lisbon",
        "language": "en",
        "email_non_essential": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-11-01",
        "date_joined_1": "12:00:00",
    }
    response = client.post(reverse("admin:accounts_user_change", args=[person.pk]), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    from portal.accounts.roles import is_mediator

    person = type(person).objects.get(pk=person.pk)
    assert is_mediator(person) and person.time_zone == "Europe/Lisbon"


def test_a_superuser_creates_a_user_with_an_email(client, superuser):
    client.force_login(superuser)

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "nora_new",
            "email": "nora@example.com",
            "usable_password": "true",
            "password1": "a long enough passphrase 42",
            "password2": "a long enough passphrase 42",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert type(superuser).objects.get(username="nora_new").email == "nora@example.com"


def test_a_mediator_sees_users_read_only(mediator_client, buyer):
    page = mediator_client.get(reverse("admin:accounts_user_change", args=[buyer.pk]))

    assert page.status_code == 200
    assert "bella_buyer" in page.content.decode() and 'name="_save"' not in page.content.decode()
