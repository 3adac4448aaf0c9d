"""Evidence uploads are limited per user and window: over it, the form says until when, and no
file of that upload is stored."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from disputes import policy
from disputes.models import Dispute, Evidence
from tests.factories import OrderFactory, image_upload, open_dispute_for, ship

pytestmark = pytest.mark.django_db

LIMIT_MESSAGE = (
    r"These files would take you past the limit of 50 files an hour\. Please try again after \d\d:\d\d\."
)


def disputed(order, t0) -> Dispute:
    ship(order, at=t0 - policy.NOT_RECEIVED_AFTER_SHIPMENT)
    return open_dispute_for(order, at=t0, amount=Decimal("60.00"))


@pytest.fixture
def dispute(order, t0, clock):
    return disputed(order, t0)


def add(client, dispute: Dispute, count: int, prefix: str = "photo"):
    files = [image_upload(f"{prefix}{n}.jpg") for n in range(count)]
    return client.post(reverse("disputes:add_evidence", args=[dispute.pk]), {"evidence": files})


def test_files_past_the_hourly_limit_are_refused_next_to_the_field_and_none_is_stored(
    client, buyer, store, dispute, t0, now
):
    # One dispute holds 30 files at most: the hourly limit runs across a user's disputes.
    second = disputed(OrderFactory(buyer=buyer, store=store, paid_at=now), t0)
    client.force_login(buyer)
    for target, batch in [(dispute, 1), (dispute, 2), (dispute, 3), (second, 4), (second, 5)]:
        assert add(client, target, 10, prefix=f"b{batch}-").status_code == 302

    response = add(client, second, 1, prefix="late")

    assert policy.MAX_EVIDENCE_FILES_PER_WINDOW == 50
    assert response.status_code == 400
    [error] = response.context["evidence_form"].errors["evidence"]
    assert re.fullmatch(LIMIT_MESSAGE, error)
    assert dispute.evidence.count() + second.evidence.count() == 50
    assert not Evidence.objects.filter(original_name="late0.jpg").exists()


def test_an_upload_that_does_not_fit_is_refused_whole(client, buyer, dispute, monkeypatch):
    monkeypatch.setattr(policy, "MAX_EVIDENCE_FILES_PER_WINDOW", 5)
    client.force_login(buyer)
    add(client, dispute, 3)

    refused = add(client, dispute, 3, prefix="more")
    fits = add(client, dispute, 2, prefix="last")

    assert refused.status_code == 400
    assert fits.status_code == 302
    names = sorted(dispute.evidence.values_list("original_name", flat=True))
    assert names == ["last0.jpg", "last1.jpg", "photo0.jpg", "photo1.jpg", "photo2.jpg"]


def test_files_of_an_action_refused_for_another_reason_are_not_counted(client, buyer, dispute, monkeypatch):
    monkeypatch.setattr(policy, "MAX_EVIDENCE_FILES_PER_WINDOW", 35)
    client.force_login(buyer)
    for batch in range(3):
        add(client, dispute, 10, prefix=f"b{batch}-")

    full = add(client, dispute, 5, prefix="over-the-dispute-cap")
    response = add(
        client, disputed(OrderFactory(buyer=buyer, paid_at=dispute.order.paid_at), dispute.opened_at), 5
    )

    assert dispute.evidence.count() == 30
    assert full.status_code == 302  # refused by the dispute's own cap, as a message
    assert response.status_code == 302


def test_the_limit_is_per_user(client, buyer, seller, dispute, monkeypatch):
    monkeypatch.setattr(policy, "MAX_EVIDENCE_FILES_PER_WINDOW", 2)
    client.force_login(buyer)
    add(client, dispute, 2)
    assert add(client, dispute, 1, prefix="buyer-more").status_code == 400

    client.force_login(seller)
    response = add(client, dispute, 2, prefix="seller")

    assert response.status_code == 302
    assert dispute.evidence.filter(uploaded_by=seller).count() == 2


def test_opening_a_dispute_counts_its_files_too(client, buyer, order, t0, clock, monkeypatch):
    monkeypatch.setattr(policy, "MAX_EVIDENCE_FILES_PER_WINDOW", 1)
    ship(order, at=t0 - policy.NOT_RECEIVED_AFTER_SHIPMENT)
    client.force_login(buyer)

    response = client.post(
        reverse("disputes:open", args=[order.number]),
        {
            "item_received": "no",
            "reason": Dispute.Reason.NOT_RECEIVED,
            "refund_type": "full",
            "amount": "",
            "description": "Tracking has not moved for a week.",
            **{f"item_{item.pk}": item.quantity for item in order.items.all()},
            "evidence": [image_upload("a.jpg"), image_upload("b.jpg")],
        },
    )

    assert response.status_code == 400
    assert "past the limit of 1 files an hour" in response.context["form"].errors["evidence"][0]
    assert not Dispute.objects.filter(order=order).exists()
