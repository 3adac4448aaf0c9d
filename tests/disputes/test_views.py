"""Dispute pages: anonymous visitors log in, strangers get a 404, the parties act, bad input is a
400 with the error next to its field and nothing stored, and the pages' query counts stay flat."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disputes import services
from disputes.models import Dispute, DisputeEvent, Evidence, Party
from disputes.urls import ACTIONS
from orders.models import Carrier, Order
from tests.disputes.conftest import case
from tests.factories import (
    OrderFactory,
    StoreFactory,
    UserFactory,
    evidence_files,
    image_upload,
    mediator_user,
    negotiate,
    open_dispute_for,
    ship,
)
from tests.pages import link

pytestmark = pytest.mark.django_db

S = Dispute.State
DAY = timedelta(days=1)
ACTION_NAMES = [name for _url, _view, name in ACTIONS]


@pytest.fixture
def shipped(order, now):
    return ship(order, at=now + DAY)


@pytest.fixture
def dispute(shipped, t0, django_capture_on_commit_callbacks):
    """A "not received" dispute for the whole order with one photo from the buyer, processed."""
    with django_capture_on_commit_callbacks(execute=True):
        dispute = open_dispute_for(shipped, at=t0, amount=Decimal("60.00"))
        services.add_evidence(
            dispute=dispute, user=shipped.buyer, files=evidence_files("box.jpg"), note="", now=t0
        )
    return dispute


@pytest.fixture
def evidence(dispute) -> Evidence:
    evidence = dispute.evidence.get()
    assert evidence.status == Evidence.Status.READY
    return evidence


def login(client, user):
    client.force_login(user)
    return client


def flashes(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def detail(dispute: Dispute) -> str:
    return reverse("disputes:detail", args=[dispute.pk])


def action(name: str, dispute: Dispute) -> str:
    return reverse(f"disputes:{name}", args=[dispute.pk])


def evidence_urls(evidence: Evidence) -> list[str]:
    return [
        reverse("disputes:evidence", args=[evidence.public_id, v]) for v in ("display", "thumb", "original")
    ]


def frozen(dispute: Dispute) -> tuple:
    """What a refused or invalid request must leave untouched."""
    dispute.refresh_from_db()
    return (
        dispute.state,
        dispute.deadline_at,
        dispute.events.count(),
        dispute.proposals.count(),
        dispute.evidence.count(),
        dispute.refunds.count(),
    )


def field_error(response, field: str) -> str:
    """The error crispy renders right under ``field``'s input."""
    html = response.content.decode()
    # Forms that share the dispute page prefix their ids with the action's name.
    match = re.search(rf'id="error_\d+_id_(?:[a-z_]+_)?{field}"[^>]*>\s*<strong>(.*?)</strong>', html, re.S)
    assert match, f"no error shown next to {field}"
    return match.group(1)


# --- the gate ---------------------------------------------------------------------------------------------
def test_anonymous_visitors_log_in_first_from_every_dispute_url(client, dispute, evidence, shipped):
    gets = [
        reverse("disputes:list"),
        reverse("disputes:seller_list"),
        reverse("disputes:open", args=[shipped.number]),
        detail(dispute),
        *evidence_urls(evidence),
    ]
    posts = [
        reverse("disputes:open", args=[shipped.number]),
        *(action(name, dispute) for name in ACTION_NAMES),
    ]
    before = frozen(dispute)

    for method, url in [("get", url) for url in gets] + [("post", url) for url in posts]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"] == f"{reverse('accounts:login')}?next={url}"
    assert frozen(dispute) == before


@pytest.mark.parametrize("stranger", ["other_buyer", "other_seller", "staff_non_mediator"])
def test_strangers_get_a_404_from_the_dispute_its_actions_and_its_evidence(
    client, dispute, evidence, shipped, stranger, request, clock
):
    login(client, request.getfixturevalue(stranger))
    before = frozen(dispute)

    assert client.get(detail(dispute)).status_code == 404
    for name in ACTION_NAMES:
        assert client.post(action(name, dispute), {"note": "x", "days": 3}).status_code == 404, name
    for url in evidence_urls(evidence):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("disputes:open", args=[shipped.number])).status_code == 404
    assert client.post(reverse("disputes:open", args=[shipped.number])).status_code == 404
    assert frozen(dispute) == before


def test_a_dispute_that_does_not_exist_is_the_same_404(client, buyer, clock):
    login(client, buyer)

    assert client.get(reverse("disputes:detail", args=[987654])).status_code == 404


def test_the_orders_seller_cannot_open_a_dispute_on_it(client, seller, shipped, clock):
    login(client, seller)

    assert client.get(reverse("disputes:open", args=[shipped.number])).status_code == 404
    assert client.post(reverse("disputes:open", args=[shipped.number])).status_code == 404


def test_someone_without_a_store_has_no_seller_inbox(client, buyer, clock):
    login(client, buyer)

    assert client.get(reverse("disputes:seller_list")).status_code == 404


def test_action_urls_do_not_answer_get(client, buyer, dispute, clock):
    login(client, buyer)
    before = frozen(dispute)

    for name in ACTION_NAMES:
        assert client.get(action(name, dispute)).status_code == 405, name
    assert frozen(dispute) == before


# --- opening ----------------------------------------------------------------------------------------------
@pytest.fixture
def delivered(shipped, now):
    from tests.factories import deliver

    return deliver(shipped, at=now + 4 * DAY)


def open_form(order: Order, **overrides) -> dict:
    data = {
        "item_received": "yes",
        "reason": Dispute.Reason.DAMAGED,
        "refund_type": "full",
        "amount": "",
        "description": "The screen is cracked.",
        **{f"item_{item.pk}": item.quantity for item in order.items.all()},
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def open_clock(time_machine, now):
    time_machine.move_to(now + 5 * DAY, tick=False)
    return time_machine


def test_the_buyer_sees_the_open_dispute_form(client, buyer, delivered, open_clock):
    login(client, buyer)

    response = client.get(reverse("disputes:open", args=[delivered.number]))

    assert response.status_code == 200
    assert response.context["form"] is not None
    assert 'id="open-dispute"' in response.content.decode()


def test_the_buyer_is_told_why_a_dispute_cannot_be_opened(client, buyer, order, open_clock):
    login(client, buyer)

    response = client.get(reverse("disputes:open", args=[order.number]))

    assert response.status_code == 200 and response.context["form"] is None
    assert "The seller has not shipped yet" in response.context["refusal"]


def test_the_buyer_opens_a_dispute_with_photos(
    client, buyer, seller, delivered, open_clock, now, django_capture_on_commit_callbacks, mailoutbox
):
    login(client, buyer)
    case = delivered.items.get(title="Phone case")
    data = open_form(
        delivered,
        refund_type="partial",
        amount="15.50",
        **{f"item_{item.pk}": 0 for item in delivered.items.exclude(pk=case.pk)},
    )
    data["evidence"] = [image_upload("crack.jpg"), image_upload("box.png", image_format="PNG")]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("disputes:open", args=[delivered.number]), data)

    dispute = Dispute.objects.get(order=delivered)
    assert response.status_code == 302 and response["Location"] == detail(dispute)
    assert (dispute.reason, dispute.requested_amount, dispute.max_refund, dispute.opened_at) == (
        Dispute.Reason.DAMAGED,
        Decimal("15.50"),
        Decimal("20.00"),
        now + 5 * DAY,
    )
    assert list(dispute.items.values_list("line_item__title", "quantity")) == [("Phone case", 2)]
    files = dispute.evidence.order_by("original_name")
    assert [(e.original_name, e.content_type, e.status) for e in files] == [
        ("box.png", "image/png", Evidence.Status.READY),
        ("crack.jpg", "image/jpeg", Evidence.Status.READY),
    ]
    assert [m.to for m in mailoutbox if dispute.reference in m.subject] == [[seller.email]]


def test_a_not_received_dispute_needs_no_photo(client, buyer, shipped, now, time_machine):
    time_machine.move_to(now + 8 * DAY, tick=False)
    login(client, buyer)

    response = client.post(
        reverse("disputes:open", args=[shipped.number]),
        open_form(shipped, item_received="no", reason=Dispute.Reason.NOT_RECEIVED),
    )

    assert response.status_code == 302
    assert Dispute.objects.get(order=shipped).evidence.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"refund_type": "partial", "amount": "60.01"}, "amount", "The most you can ask for is 60.00 USD"),
        ({"refund_type": "partial", "amount": "10.005"}, "amount", "2 decimal places"),
        ({"refund_type": "partial", "amount": "0"}, "amount", "greater than or equal to 0.01"),
        ({"refund_type": "partial", "amount": ""}, "amount", "Enter the amount you ask for."),
        ({"evidence": []}, "evidence", "Add at least one photo or video"),
        ({"reason": ""}, "reason", "This field is required."),
        ({"description": ""}, "description", "This field is required."),
    ],
    ids=[
        "above_paid",
        "three_decimals",
        "zero",
        "partial_without_amount",
        "no_photo",
        "no_reason",
        "no_story",
    ],
)
def test_bad_input_on_the_open_form_is_shown_next_to_its_field_and_stores_nothing(
    client, buyer, delivered, open_clock, overrides, field, message
):
    login(client, buyer)
    data = open_form(delivered, **overrides)
    data.setdefault("evidence", [image_upload("crack.jpg")])
    if not data["evidence"]:
        del data["evidence"]

    response = client.post(reverse("disputes:open", args=[delivered.number]), data)

    assert response.status_code == 400
    assert message in field_error(response, field)
    assert not Dispute.objects.filter(order=delivered).exists()
    assert not Evidence.objects.exists()
    delivered.refresh_from_db()
    assert not delivered.on_hold


def test_a_reason_that_does_not_fit_not_received_is_refused_next_to_the_reason(
    client, buyer, shipped, now, time_machine
):
    time_machine.move_to(now + 3 * DAY, tick=False)
    login(client, buyer)
    data = open_form(shipped, item_received="no", reason=Dispute.Reason.WRONG_ITEM)
    data["evidence"] = [image_upload("label.jpg")]

    response = client.post(reverse("disputes:open", args=[shipped.number]), data)

    assert response.status_code == 400
    assert "You said the item did not arrive" in field_error(response, "reason")
    assert not Dispute.objects.filter(order=shipped).exists()
    assert not Evidence.objects.exists()


def test_a_file_that_is_not_a_picture_is_refused_by_its_content(client, buyer, delivered, open_clock):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, buyer)
    data = open_form(delivered)
    data["evidence"] = [SimpleUploadedFile("crack.jpg", b"<html><script>alert(1)</script>", "image/jpeg")]

    response = client.post(reverse("disputes:open", args=[delivered.number]), data)

    assert response.status_code == 400
    assert "crack.jpg" in field_error(response, "evidence")
    assert not Dispute.objects.filter(order=delivered).exists()


def test_a_rule_without_a_field_is_shown_above_the_form(client, buyer, shipped, now, time_machine, mediator):
    time_machine.move_to(now + 8 * DAY, tick=False)
    services.set_buyer_blacklisted(
        buyer=buyer, mediator=mediator, blacklisted=True, reason="Fake claims", now=now
    )
    login(client, buyer)

    response = client.post(
        reverse("disputes:open", args=[shipped.number]),
        open_form(shipped, item_received="no", reason=Dispute.Reason.NOT_RECEIVED),
    )

    assert response.status_code == 400
    assert any("Fake claims" in error for error in response.context["form"].non_field_errors())
    assert not Dispute.objects.filter(order=shipped).exists()


# --- the dispute page -------------------------------------------------------------------------------------
def test_the_buyer_sees_the_deadline_the_timeline_and_the_chat_warning(client, buyer, dispute, clock):
    login(client, buyer)

    response = client.get(detail(dispute))

    assert response.status_code == 200
    html = response.content.decode()
    assert "If nobody acts by 24 Nov 2026, 12:00" in html
    assert "Agreements made in chat do not count" in html
    assert [entry.event.type for entry in response.context["timeline"]] == ["opened", "evidence_added"]
    assert response.context["actions"] == {"withdraw"}
    assert "Accept: refund" not in html


def test_the_seller_sees_accept_only_while_awaiting_the_seller(client, seller, buyer, dispute, clock, t0):
    login(client, seller)
    response = client.get(detail(dispute))
    assert response.context["actions"] == {"accept_request", "counter_offer", "reject_request"}
    assert "Accept: refund 60.00 USD" in response.content.decode()
    assert f'action="{action("accept_request", dispute)}"' in response.content.decode()

    services.counter_offer(
        dispute=dispute,
        seller=seller,
        amount=Decimal("20.00"),
        with_return=False,
        note="",
        evidence=[],
        now=t0,
    )
    response = client.get(detail(dispute))

    html = response.content.decode()
    assert response.context["actions"] == {"escalate"}
    assert "Accept: refund" not in html and f'action="{action("accept_request", dispute)}"' not in html
    login(client, buyer)
    buyer_view = client.get(detail(dispute))
    assert buyer_view.context["actions"] == {"accept_offer", "modify_request", "escalate", "withdraw"}
    assert "Accept the offer" in buyer_view.content.decode()


def test_a_mediator_can_view_any_dispute_but_has_no_party_buttons(client, mediator, dispute, clock):
    login(client, mediator)

    response = client.get(detail(dispute))

    assert response.status_code == 200
    assert response.context["actions"] == set()
    assert response.context["evidence_form"] is None and response.context["extend_form"] is None


def test_evidence_originals_are_for_mediators_only(client, buyer, seller, mediator, evidence, clock):
    display, thumb, original = evidence_urls(evidence)
    for party in (buyer, seller):
        login(client, party)
        for url in (display, thumb):
            response = client.get(url)
            assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
            assert response["X-Content-Type-Options"] == "nosniff"
        assert client.get(original).status_code == 404
        assert (
            reverse("disputes:evidence", args=[evidence.public_id, "original"])
            not in client.get(detail(evidence.dispute)).content.decode()
        )

    login(client, mediator)
    response = client.get(original)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert original in client.get(detail(evidence.dispute)).content.decode()


def test_an_unknown_evidence_variant_is_a_404(client, buyer, evidence, clock):
    login(client, buyer)

    assert client.get(reverse("disputes:evidence", args=[evidence.public_id, "exif"])).status_code == 404


# --- the parties act --------------------------------------------------------------------------------------
def test_the_seller_counter_offers_with_a_photo(
    client, seller, dispute, clock, django_capture_on_commit_callbacks
):
    login(client, seller)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            action("counter_offer", dispute),
            {
                "amount": "25.00",
                "with_return": "on",
                "note": "Send it back",
                "evidence": [image_upload("scan.jpg")],
            },
        )

    assert response.status_code == 302 and response["Location"] == detail(dispute)
    assert flashes(response) == ["Counter-offer sent. The buyer has been told."]
    dispute.refresh_from_db()
    assert dispute.state == S.AWAITING_BUYER
    offer = services.latest_counter_offer(dispute)
    assert (offer.amount, offer.with_return, offer.note) == (Decimal("25.00"), True, "Send it back")
    assert dispute.evidence.filter(party=Party.SELLER, original_name="scan.jpg").exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "greater than or equal to 0.01"),
        ("0.00", "greater than or equal to 0.01"),
        ("12.345", "2 decimal places"),
    ],
)
def test_a_bad_counter_offer_amount_is_a_400_next_to_the_field(
    client, seller, dispute, clock, amount, message
):
    login(client, seller)
    before = frozen(dispute)

    response = client.post(action("counter_offer", dispute), {"amount": amount, "note": ""})

    assert response.status_code == 400
    assert message in field_error(response, "amount")
    assert response.context["action_forms"]["counter_offer"].errors
    assert frozen(dispute) == before


def test_a_counter_offer_above_what_was_paid_is_a_400_next_to_the_field(client, seller, dispute, clock):
    login(client, seller)
    before = frozen(dispute)

    response = client.post(action("counter_offer", dispute), {"amount": "60.01"})

    assert response.status_code == 400
    assert "60.00 USD" in field_error(response, "amount")
    assert frozen(dispute) == before


def test_the_seller_accepts_and_the_refund_follows(
    client, seller, dispute, clock, django_capture_on_commit_callbacks
):
    login(client, seller)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action("accept_request", dispute), {"confirm": "1"})

    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.state == S.RESOLVED_BUYER and dispute.refunds.get().amount == Decimal("60.00")
    page = client.get(detail(dispute))
    assert "Resolved for the buyer: a refund of 60.00 USD." in page.content.decode()
    assert page.context["actions"] == set()


def test_a_refused_action_is_a_message_and_changes_nothing(client, seller, dispute, clock):
    login(client, seller)
    client.post(action("accept_request", dispute), {"confirm": "1"}, follow=True)
    before = frozen(dispute)

    response = client.post(action("accept_request", dispute), {"confirm": "1"})

    assert response.status_code == 302
    assert flashes(response) == ["You cannot accept this request now."]
    assert frozen(dispute) == before


def test_a_rejection_needs_a_reason(client, seller, dispute, clock):
    login(client, seller)
    before = frozen(dispute)

    response = client.post(action("reject_request", dispute), {"note": ""})

    assert response.status_code == 400
    assert "required" in field_error(response, "note")
    assert frozen(dispute) == before
    assert client.post(action("reject_request", dispute), {"note": "Delivered"}).status_code == 302
    dispute.refresh_from_db()
    assert dispute.state == S.AWAITING_BUYER


def test_the_buyer_modifies_escalates_and_withdraws(client, buyer, seller, dispute, clock, t0):
    services.reject_request(dispute=dispute, seller=seller, note="No", evidence=[], now=t0)
    login(client, buyer)

    client.post(action("modify_request", dispute), {"amount": "50.00", "note": "Less then"})
    dispute.refresh_from_db()
    assert (dispute.state, dispute.requested_amount) == (S.AWAITING_SELLER, Decimal("50.00"))
    client.post(action("escalate", dispute), {"note": "Please decide"})
    dispute.refresh_from_db()
    assert (dispute.state, dispute.escalated_by) == (S.IN_MEDIATION, Party.BUYER)
    client.post(action("withdraw", dispute), {"confirm": "1"})

    dispute.refresh_from_db()
    assert dispute.state == S.WITHDRAWN
    assert list(dispute.events.exclude(to_state="").values_list("type", flat=True).order_by("id")) == [
        "opened",
        "rejected",
        "modified",
        "escalated",
        "withdrawn",
    ]


def test_the_buyer_accepts_an_offer(client, buyer, seller, dispute, clock, t0):
    services.counter_offer(
        dispute=dispute,
        seller=seller,
        amount=Decimal("20.00"),
        with_return=False,
        note="",
        evidence=[],
        now=t0,
    )
    login(client, buyer)

    response = client.post(action("accept_offer", dispute), {"confirm": "1"})

    assert flashes(response) == ["Offer accepted. Its terms are now locked."]
    dispute.refresh_from_db()
    assert (dispute.state, dispute.agreed_amount) == (S.RESOLVED_BUYER, Decimal("20.00"))


@pytest.fixture
def awaiting_return(shipped, t0, seller):
    dispute = open_dispute_for(shipped, at=t0, with_return=True)
    return services.accept_request(dispute=dispute, seller=seller, now=t0)


def test_the_buyer_ships_the_return_to_the_address_in_the_dispute(
    client, buyer, seller, store, awaiting_return, clock
):
    login(client, buyer)
    page = client.get(detail(awaiting_return))
    assert "ship_return" in page.context["action_forms"]
    assert "1 Warehouse Road" in page.content.decode()

    response = client.post(
        action("ship_return", awaiting_return),
        {"carrier": Carrier.DHL, "tracking_number": "jd 0146 0000 3828"},
    )

    assert response.status_code == 302
    awaiting_return.refresh_from_db()
    assert (awaiting_return.state, awaiting_return.return_tracking_number) == (
        S.RETURN_IN_TRANSIT,
        "JD 0146 0000 3828",
    )
    login(client, seller)
    client.post(action("confirm_return_received", awaiting_return), {"confirm": "1"})
    awaiting_return.refresh_from_db()
    assert awaiting_return.state == S.RESOLVED_BUYER


@pytest.mark.parametrize("tracking", ["!!", "12", "<script>", ""])
def test_a_bad_tracking_number_is_a_400_next_to_the_field(client, buyer, awaiting_return, clock, tracking):
    login(client, buyer)
    before = frozen(awaiting_return)

    response = client.post(
        action("ship_return", awaiting_return), {"carrier": Carrier.DHL, "tracking_number": tracking}
    )

    assert response.status_code == 400
    assert field_error(response, "tracking_number")
    assert frozen(awaiting_return) == before


def test_the_seller_reports_a_problem_with_the_return(client, buyer, seller, awaiting_return, clock, t0):
    services.ship_return(
        dispute=awaiting_return, buyer=buyer, carrier=Carrier.DHL, tracking_number="JD014600003828", now=t0
    )
    login(client, seller)

    response = client.post(action("report_return_problem", awaiting_return), {"note": "Empty box"})

    assert response.status_code == 302
    awaiting_return.refresh_from_db()
    assert awaiting_return.state == S.IN_MEDIATION


def test_the_asked_party_provides_evidence(client, buyer, seller, mediator, dispute, clock, t0):
    services.reject_request(dispute=dispute, seller=seller, note="No", evidence=[], now=t0)
    services.escalate_dispute(dispute=dispute, user=buyer, note="", now=t0)
    services.request_evidence(
        dispute=dispute, mediator=mediator, party=Party.SELLER, note="POD", due_at=t0 + 5 * DAY, now=t0
    )
    login(client, buyer)
    assert "provide_evidence" not in client.get(detail(dispute)).context["actions"]
    login(client, seller)

    response = client.post(action("provide_evidence", dispute), {"note": "Signed by B. Buyer"})

    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.state == S.IN_MEDIATION


def test_either_party_adds_evidence_and_a_missing_file_is_a_400(client, seller, dispute, clock):
    login(client, seller)
    before = frozen(dispute)

    response = client.post(action("add_evidence", dispute), {"note": "nothing attached"})
    assert response.status_code == 400
    assert field_error(response, "evidence")
    assert frozen(dispute) == before

    response = client.post(
        action("add_evidence", dispute), {"evidence": [image_upload("label.webp", image_format="WEBP")]}
    )

    assert response.status_code == 302
    assert dispute.evidence.filter(party=Party.SELLER, content_type="image/webp").exists()


def test_the_buyer_extends_the_sellers_deadline_once(client, buyer, seller, dispute, clock):
    login(client, seller)
    assert client.get(detail(dispute)).context["extend_form"] is None
    login(client, buyer)
    assert client.get(detail(dispute)).context["extend_form"] is not None
    deadline = dispute.deadline_at

    bad = client.post(action("extend_deadline", dispute), {"days": 16})
    assert bad.status_code == 400 and field_error(bad, "days")
    client.post(action("extend_deadline", dispute), {"days": 5})

    dispute.refresh_from_db()
    assert dispute.deadline_at == deadline + timedelta(days=5)
    assert client.get(detail(dispute)).context["extend_form"] is None
    again = client.post(action("extend_deadline", dispute), {"days": 5})
    assert flashes(again) == ["You cannot extend this deadline."]


def test_an_automatic_outcome_reads_on_the_timeline(client, buyer, dispute, clock, t0, time_machine):
    from portal import deadlines

    deadlines.enforce_all(now=dispute.deadline_at)
    login(client, buyer)

    response = client.get(detail(dispute))

    assert (
        "Decided automatically: the seller did not respond by 24 Nov 2026, 12:00."
        in response.content.decode()
    )
    assert response.context["timeline"][-1].by_clock


def test_times_are_shown_in_the_viewers_time_zone(client, buyer, dispute, clock):
    buyer.time_zone = "America/New_York"
    buyer.save()
    login(client, buyer)

    response = client.get(detail(dispute))

    assert "If nobody acts by 24 Nov 2026, 07:00" in response.content.decode()


# --- inboxes ----------------------------------------------------------------------------------------------
def open_disputes(buyer, store, now, count: int, *, spread=timedelta(hours=1)) -> list[Dispute]:
    """``count`` disputes, each on its own order, opened ``spread`` apart (latest first)."""
    disputes = []
    for i in range(count):
        order = ship(OrderFactory(buyer=buyer, store=store, paid_at=now), at=now + DAY)
        disputes.append(open_dispute_for(order, at=now + timedelta(days=8) + (count - i) * spread))
    return disputes


def listed(response) -> list[int]:
    return [d.pk for d in response.context["page"].object_list]


def test_the_buyer_inbox_lists_soonest_deadline_first(client, buyer, store, now, clock):
    disputes = open_disputes(buyer, store, now, 3)
    open_disputes(UserFactory(), store, now, 1)
    login(client, buyer)

    response = client.get(reverse("disputes:list"))

    assert response.status_code == 200
    assert listed(response) == [d.pk for d in reversed(disputes)]


def test_the_inbox_filters_by_state(client, buyer, seller, store, now, clock, mediator):
    first, second, third = open_disputes(buyer, store, now, 3)
    at = now + timedelta(days=9)
    services.withdraw_dispute(dispute=first, buyer=buyer, now=at)
    services.reject_request(dispute=second, seller=seller, note="No", evidence=[], now=at)
    services.escalate_dispute(dispute=second, user=buyer, note="", now=at)
    login(client, buyer)

    assert listed(client.get(reverse("disputes:list"))) == [second.pk, third.pk]
    assert listed(client.get(reverse("disputes:list"), {"state": "mediation"})) == [second.pk]
    assert listed(client.get(reverse("disputes:list"), {"state": "closed"})) == [first.pk]
    assert set(listed(client.get(reverse("disputes:list"), {"state": "bogus"}))) == {second.pk, third.pk}


def test_the_seller_inbox_shows_only_the_sellers_disputes(client, seller, store, now, clock):
    mine = open_disputes(UserFactory(), store, now, 2)
    open_disputes(UserFactory(), StoreFactory(), now, 2)
    login(client, seller)

    response = client.get(reverse("disputes:seller_list"))

    assert listed(response) == [d.pk for d in reversed(mine)]
    assert "Your move" in response.content.decode()


def test_the_inbox_is_paginated(client, buyer, store, now, clock):
    disputes = open_disputes(buyer, store, now, 23, spread=timedelta(minutes=1))
    login(client, buyer)

    first = client.get(reverse("disputes:list"))
    second = client.get(reverse("disputes:list") + link(first, "next"))
    back = client.get(reverse("disputes:list") + link(second, "prev"))
    stale = client.get(reverse("disputes:list"), {"page": 99})

    assert len(listed(first)) == 20 and len(listed(second)) == 3
    assert listed(first) + listed(second) == [d.pk for d in reversed(disputes)]
    assert listed(back) == listed(first)
    # An old page-number link shows the first page.
    assert listed(stale) == listed(first)
    assert link(first, "next").startswith("?state=open&after=")


def test_the_closed_inbox_pages_from_the_newest_closed_to_the_oldest(client, buyer, store, now, clock):
    disputes = open_disputes(buyer, store, now, 22, spread=timedelta(minutes=1))
    for minutes, dispute in enumerate(disputes):
        Dispute.objects.filter(pk=dispute.pk).update(
            state=Dispute.State.WITHDRAWN,
            outcome=Dispute.Outcome.WITHDRAWN,
            deadline_at=None,
            closed_at=now + timedelta(minutes=minutes),
        )
    login(client, buyer)

    first = client.get(reverse("disputes:list"), {"state": "closed"})
    oldest = client.get(reverse("disputes:list"), {"state": "closed", "page": "last"})
    second = client.get(reverse("disputes:list") + link(first, "next"))

    assert listed(first) == [d.pk for d in reversed(disputes)][:20]
    assert listed(second) == [disputes[1].pk, disputes[0].pk]
    assert listed(oldest) == [d.pk for d in reversed(disputes)][2:]
    assert ">Older<" in first.content.decode()


# --- query budgets ----------------------------------------------------------------------------------------
#: Today 7-8 queries for an inbox and 9 for a dispute page rendered afresh (3 when it comes from
#: the cache, see test_page_cache.py); the budgets leave a little room.
INBOX_BUDGET = 10
#: 12 in every state (issue 17): the appeal, the buyer's standing and the order's refunds are
#: loaded with the page whether or not a finished dispute's "what now" needs them.
PAGE_BUDGET = 12


def queries(client, url: str, budget: int, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(budget), CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(("inbox", "as_seller"), [("disputes:list", False), ("disputes:seller_list", True)])
def test_the_inboxes_take_the_same_queries_for_1_or_50_disputes(
    client, buyer, seller, store, now, clock, inbox, as_seller, django_assert_max_num_queries
):
    open_disputes(buyer, store, now, 1)
    login(client, seller if as_seller else buyer)
    with_one = queries(client, reverse(inbox), INBOX_BUDGET, django_assert_max_num_queries)

    open_disputes(buyer, store, now, 49, spread=timedelta(minutes=1))

    assert queries(client, reverse(inbox), INBOX_BUDGET, django_assert_max_num_queries) == with_one
    assert (
        queries(client, f"{reverse(inbox)}?page=3", INBOX_BUDGET, django_assert_max_num_queries) == with_one
    )


@pytest.mark.parametrize("viewer", ["buyer", "seller", "mediator"])
def test_the_dispute_page_takes_the_same_queries_for_1_or_50_rows(
    client, dispute, seller, buyer, clock, t0, viewer, request, django_assert_max_num_queries
):
    login(client, request.getfixturevalue(viewer))
    with_one = queries(client, detail(dispute), PAGE_BUDGET, django_assert_max_num_queries)

    negotiate(dispute, seller=seller, buyer=buyer, rounds=25, start=t0)
    services.add_evidence(
        dispute=dispute, user=buyer, files=evidence_files(*[f"p{i}.jpg" for i in range(9)]), note="", now=t0
    )
    assert dispute.events.count() > 50 and dispute.proposals.count() > 50 and dispute.evidence.count() == 10

    assert queries(client, detail(dispute), PAGE_BUDGET, django_assert_max_num_queries) == with_one


def test_the_timeline_records_every_page_action_once(client, seller, dispute, clock):
    login(client, seller)
    client.post(action("reject_request", dispute), {"note": "Delivered"})

    assert dispute.events.filter(type=DisputeEvent.Type.REJECTED).count() == 1


def test_the_dispute_page_takes_the_same_queries_in_every_state(
    client, store, t0, clock, django_assert_max_num_queries
):
    mediator = mediator_user(username="quinn_queries")
    in_mediation, for_seller, for_buyer = (case(store, escalated_at=t0 - timedelta(days=3)) for _ in range(3))
    paid = OrderFactory(store=store, paid_at=t0 - 9 * DAY)
    awaiting_seller = open_dispute_for(ship(paid, at=t0 - 8 * DAY), at=t0)
    for dispute, decision in [
        (for_seller, services.Decision.REJECT),
        (for_buyer, services.Decision.FULL_REFUND),
    ]:
        services.decide_dispute(
            dispute=dispute, mediator=mediator, decision=decision, amount=None, note="Reason", now=t0
        )

    counts = {}
    for dispute in (awaiting_seller, in_mediation, for_seller, for_buyer):
        dispute.refresh_from_db()
        login(client, dispute.buyer)
        counts[dispute.state] = queries(client, detail(dispute), PAGE_BUDGET, django_assert_max_num_queries)

    assert set(counts) == {
        Dispute.State.AWAITING_SELLER,
        Dispute.State.IN_MEDIATION,
        Dispute.State.RESOLVED_SELLER,
        Dispute.State.RESOLVED_BUYER,
    }
    assert len(set(counts.values())) == 1, counts


def test_a_closed_disputes_page_says_whether_the_order_has_another_open_dispute(
    client, buyer, dispute, clock, t0
):
    services.withdraw_dispute(dispute=dispute, buyer=buyer, now=t0 + timedelta(hours=1))
    login(client, buyer)

    def another() -> str:
        html = client.get(detail(dispute)).content.decode()
        return re.search(r'data-testid="another-dispute">(.*?)</li>', html, re.S).group(1)

    assert "You can open another dispute on this order" in another()

    second = open_dispute_for(dispute.order, at=t0 + timedelta(hours=2), amount=Decimal("20.00"))

    assert (
        "You cannot open another dispute on this order. This order already has an open dispute." in another()
    )

    services.withdraw_dispute(dispute=second, buyer=buyer, now=t0 + timedelta(hours=3))

    assert "You can open another dispute on this order" in another()


def test_the_order_page_after_a_dispute_reads_the_buyers_standing_afresh(
    client, buyer, seller, dispute, clock, t0, mediator
):
    services.withdraw_dispute(dispute=dispute, buyer=buyer, now=t0 + timedelta(hours=1))
    login(client, buyer)
    order_page = reverse("orders:detail", args=[dispute.order.number])

    def another() -> str:
        html = client.get(order_page).content.decode()
        return re.search(r'data-testid="another-dispute">(.*?)</p>', html, re.S).group(1)

    assert "You can open another dispute until" in another()

    services.set_buyer_blacklisted(
        buyer=buyer, mediator=mediator, blacklisted=True, reason="Fake claims", now=t0
    )

    assert "You cannot open another dispute on this order." in another() and "Fake claims" in another()

    services.set_buyer_blacklisted(buyer=buyer, mediator=mediator, blacklisted=False, reason="Appeal", now=t0)

    assert "You can open another dispute until" in another()
