"""Read queries of the disputes side."""

from datetime import datetime

from orders.models import Order
from portal.accounts.models import User


def dispute_panel_for_order(*, order: Order, user: User, now: datetime) -> dict | None:
    """What the order page shows about disputes for this viewer."""
    return None
