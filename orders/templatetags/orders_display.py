"""Template helpers for showing orders: the carrier's tracking link."""

from django import template

from orders.models import tracking_url as carrier_tracking_url

register = template.Library()


@register.inclusion_tag("orders/_tracking_number.html")
def tracking_number(carrier: str, number: str) -> dict:
    """The tracking number, linked to the carrier's tracking page when the carrier has one."""
    return {"number": number, "url": carrier_tracking_url(carrier, number)}
