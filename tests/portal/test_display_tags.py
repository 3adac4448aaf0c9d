"""The row tags write what the includes they replaced wrote (the includes' text is kept here as
the reference), in English and Russian, in the reader's time zone, for every state."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.template import engines
from django.utils import timezone, translation

from disputes.models import Dispute
from orders.models import Order
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

COUNTDOWN_INCLUDE = (
    '{% load i18n %}{% blocktranslate with left="{time}" asvar left_phrase %}{{ left }} left'
    "{% endblocktranslate %}"
    '{% blocktranslate with time="{time}" asvar overdue_phrase %}overdue by {{ time }}'
    "{% endblocktranslate %}"
    '<span class="countdown" data-deadline="{{ deadline|date:\'c\' }}" '
    'data-left="{{ left_phrase|force_escape }}" data-overdue="{{ overdue_phrase|force_escape }}">'
    "{% blocktranslate with left=deadline|timeuntil %}{{ left }} left{% endblocktranslate %}</span>"
)
ORDER_BADGE_INCLUDE = (
    '<span class="badge state-badge {% if order.on_hold %}text-bg-warning'
    "{% elif order.state == 'paid' %}text-bg-info"
    "{% elif order.state == 'shipped' or order.state == 'delivered' %}text-bg-primary"
    "{% elif order.state == 'completed' %}text-bg-success{% else %}text-bg-secondary{% endif %}\">"
    '{% if order.on_hold %}{% load i18n %}{% translate "Dispute open" %}'
    "{% else %}{{ order.get_state_display }}{% endif %}</span>"
)
DISPUTE_BADGE_INCLUDE = (
    '{% if state_badge %}<span class="badge state-badge {{ state_badge.tone }}" data-testid="state-badge">'
    '{{ state_badge.label }}</span>{% else %}<span class="badge state-badge '
    "{% if dispute.state == 'resolved_buyer' %}text-bg-success"
    "{% elif dispute.state == 'resolved_seller' %}text-bg-secondary"
    "{% elif dispute.state == 'withdrawn' %}text-bg-light border"
    "{% elif dispute.state == 'in_mediation' or dispute.state == 'evidence_requested' %}text-bg-warning"
    '{% else %}text-bg-primary{% endif %}">{{ dispute.get_state_display }}</span>{% endif %}'
)


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


@pytest.fixture(params=[("en", "UTC"), ("ru", "Asia/Vladivostok")])
def reader(request):
    language, zone = request.param
    with translation.override(language), timezone.override(zone):
        yield language


@pytest.mark.parametrize(
    "offset",
    [
        timedelta(days=3, hours=5),
        timedelta(minutes=1),
        timedelta(0),
        -timedelta(hours=7),
        -timedelta(days=40),
    ],
)
def test_the_countdown_tag_writes_what_the_include_wrote(reader, offset):
    now = timezone.now().replace(microsecond=0)
    with time_machine.travel(now, tick=False):
        deadline = now + offset
        expected = render(COUNTDOWN_INCLUDE, deadline=deadline)
        written = render("{% load portal_display %}{% countdown deadline %}", deadline=deadline)

    assert written == expected
    assert "{time}" in written


@pytest.mark.parametrize("state", Order.State.values)
@pytest.mark.parametrize("on_hold", [False, True])
def test_the_order_badge_tag_writes_what_the_include_wrote(reader, state, on_hold):
    order = OrderFactory.build(state=state, on_hold=on_hold)

    written = render("{% load orders_display %}{% order_state_badge order %}", order=order)

    assert written == render(ORDER_BADGE_INCLUDE, order=order)


@pytest.mark.parametrize("state", Dispute.State.values)
def test_the_dispute_badge_tag_writes_what_the_include_wrote(reader, state):
    dispute = Dispute(state=state)

    written = render(
        "{% load disputes_display %}{% dispute_state_badge dispute state_badge %}", dispute=dispute
    )

    assert written == render(DISPUTE_BADGE_INCLUDE, dispute=dispute)


def test_the_dispute_badge_shows_the_pages_own_badge_when_it_has_one(reader):
    dispute = Dispute(state=Dispute.State.RESOLVED_BUYER)
    badge = SimpleNamespace(tone="text-bg-info", label="Under appeal <&>")
    source = "{% load disputes_display %}{% dispute_state_badge dispute state_badge %}"

    written = render(source, dispute=dispute, state_badge=badge)

    assert written == render(DISPUTE_BADGE_INCLUDE, dispute=dispute, state_badge=badge)
    assert "Under appeal &lt;&amp;&gt;" in written
