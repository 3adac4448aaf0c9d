from datetime import timedelta
from decimal import Decimal
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from disputes import services
from tests.factories import OrderFactory, open_dispute_for, ship

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)

def test_dump(client, mediator, buyer, seller, store, now, time_machine):
    order = ship(OrderFactory(buyer=buyer, store=store, paid_at=now), at=now + DAY)
    opened = now + 8 * DAY
    dispute = open_dispute_for(order, at=opened, amount=Decimal("60.00"))
    services.counter_offer(dispute=dispute, seller=seller, amount=Decimal("10.00"), with_return=False, note="x", evidence=[], now=opened)
    time_machine.move_to(opened + DAY, tick=False)
    client.force_login(mediator)
    url = reverse("admin:disputes_dispute_change", args=[dispute.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as c:
        r = client.get(url)
    assert r.status_code == 200
    for q in c.captured_queries:
        print("Q:", q["sql"][:300])
    print(len(c.captured_queries))
