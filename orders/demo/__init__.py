"""The demo data that ``manage.py seed_demo`` loads: its cast and stories, and their replay."""

from orders.demo.loader import DemoFailed, demo_is_loaded, load_orders
from orders.demo.stories import ORDER_NUMBER_PREFIX, PASSWORD, PEOPLE

__all__ = [
    "ORDER_NUMBER_PREFIX",
    "PASSWORD",
    "PEOPLE",
    "DemoFailed",
    "demo_is_loaded",
    "load_orders",
]
