"""Template helpers for showing orders: the carrier's tracking link and the state badge."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from orders.models import tracking_url as carrier_tracking_url

register = template.Library()


@register.inclusion_tag("orders/_tracking_number.html")
def tracking_number(carrier: str, number: str) -> dict:
    """The tracking number, linked to the carrier's tracking page when the carrier has one."""
    return {"number": number, "url": carrier_tracking_url(carrier, number)}


#: The badge's colour for each state; an order a dispute holds shows "Dispute open" instead.
STATE_TONES = {
    "paid": "text-bg-info",
    "shipped": "text-bg-primary",
    "delivered": "text-bg-primary",
    "completed": "text-bg-success",
}


@register.simple_tag
def order_state_badge(order) -> SafeString:
    """The order's state as a coloured badge (a list shows one per row)."""
    if order.on_hold:
        return format_html(
            '<span class="badge state-badge text-bg-warning">{}</span>', gettext("Dispute open")
        )
    tone = STATE_TONES.get(order.state, "text-bg-secondary")
    return format_html('<span class="badge state-badge {}">{}</span>', tone, order.get_state_display())
