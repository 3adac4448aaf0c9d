"""Orders after checkout: stores and their return policies, orders with their buyer-protection
clock, shipments, the refund ledger and the order timeline."""

from orders.models.carrier import CARRIER_CLASS, Carrier, protection_period, tracking_url
from orders.models.event import OrderEvent
from orders.models.money import MONEY
from orders.models.order import LineItem, Order, ReturnTerms
from orders.models.refund import Refund
from orders.models.shipment import Shipment
from orders.models.store import FreeReturnCountry, Store

__all__ = [
    "CARRIER_CLASS",
    "MONEY",
    "Carrier",
    "FreeReturnCountry",
    "LineItem",
    "Order",
    "OrderEvent",
    "Refund",
    "ReturnTerms",
    "Shipment",
    "Store",
    "protection_period",
    "tracking_url",
]
