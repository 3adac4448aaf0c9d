"""The demo's disputes, one in every state, played after the orders of ``orders.demo``."""

from disputes.demo.loader import load_demo
from disputes.demo.stories import DISPUTE_STORIES

__all__ = ["DISPUTE_STORIES", "load_demo"]
