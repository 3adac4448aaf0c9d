"""Every number of the orders side of buyer protection (SPEC "Orders and buyer protection",
"Seller return policy"), as named settings with defaults.

A deployment overrides any of them in Django settings under the same name prefixed with
``ORDERS_`` (e.g. ``ORDERS_HANDLING_TIME = timedelta(days=5)``).
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings


def _setting(name: str, default):
    return getattr(settings, f"ORDERS_{name}", default)


class CarrierClass:
    EXPRESS = "express"
    EMS = "ems"
    POSTAL = "postal"


#: The seller must ship within this long after payment, or the order is cancelled and refunded.
HANDLING_TIME: timedelta = _setting("HANDLING_TIME", timedelta(days=7))

#: Delivery protection from shipment, by carrier class (seed 003).
PROTECTION_BY_CARRIER_CLASS: dict[str, timedelta] = _setting(
    "PROTECTION_BY_CARRIER_CLASS",
    {
        CarrierClass.EXPRESS: timedelta(days=23),
        CarrierClass.EMS: timedelta(days=27),
        CarrierClass.POSTAL: timedelta(days=39),
    },
)

#: Once tracking says delivered, what remains of protection shrinks to this (seed 004).
PROTECTION_AFTER_DELIVERY: timedelta = _setting("PROTECTION_AFTER_DELIVERY", timedelta(days=5))

#: After the buyer confirms receipt, a dispute can still be opened this long; escrow waits as long.
POST_CONFIRMATION_DISPUTE_WINDOW: timedelta = _setting("POST_CONFIRMATION_DISPUTE_WINDOW", timedelta(days=15))

#: Reminders go to the seller before the ship-by deadline and to the buyer before protection ends.
REMINDERS_BEFORE: tuple[timedelta, ...] = _setting(
    "REMINDERS_BEFORE", (timedelta(hours=48), timedelta(hours=24))
)

#: A seller may extend protection by at most this much, and only this many times per order.
MAX_PROTECTION_EXTENSION: timedelta = _setting("MAX_PROTECTION_EXTENSION", timedelta(days=30))
DEFAULT_PROTECTION_EXTENSION: timedelta = _setting("DEFAULT_PROTECTION_EXTENSION", timedelta(days=15))
MAX_PROTECTION_EXTENSIONS: int = _setting("MAX_PROTECTION_EXTENSIONS", 1)

#: The store's return window after delivery must lie within these bounds (seed 000).
RETURN_WINDOW_MIN_DAYS: int = _setting("RETURN_WINDOW_MIN_DAYS", 14)
RETURN_WINDOW_MAX_DAYS: int = _setting("RETURN_WINDOW_MAX_DAYS", 30)
RETURN_WINDOW_DEFAULT_DAYS: int = _setting("RETURN_WINDOW_DEFAULT_DAYS", 15)

#: Items under this value are refunded without a return by default (seed 001), per currency:
#: 10.00 USD is not 10.00 RUB. An order paid in a currency missing here has no such threshold
#: (nothing is refunded without a return) unless its store states one in that currency.
REFUND_WITHOUT_RETURN_THRESHOLDS: dict[str, Decimal] = _setting(
    "REFUND_WITHOUT_RETURN_THRESHOLDS",
    {
        "USD": Decimal("10.00"),
        "EUR": Decimal("10.00"),
        "GBP": Decimal("10.00"),
        "PLN": Decimal("40.00"),
        "RUB": Decimal("1000.00"),
        "CNY": Decimal("70.00"),
    },
)

#: Free-return programme caps by destination country (seed 001): country -> (max item value, currency).
FREE_RETURN_PROGRAMME: dict[str, tuple[Decimal, str]] = _setting(
    "FREE_RETURN_PROGRAMME",
    {
        "US": (Decimal("50.00"), "USD"),
        "FR": (Decimal("40.00"), "EUR"),
        "ES": (Decimal("40.00"), "EUR"),
        "RU": (Decimal("3000.00"), "RUB"),
    },
)

#: Refunds reach the buyer within this range, depending on the payment method (seed 004).
REFUND_TIMING_DAYS: dict[str, tuple[int, int]] = _setting(
    "REFUND_TIMING_DAYS",
    {"card": (3, 7), "wallet": (3, 5), "bank_transfer": (7, 14), "other": (3, 14)},
)

#: How many due deadlines the sweep applies per batch, and how many batches per run at most.
SWEEP_BATCH_SIZE: int = _setting("SWEEP_BATCH_SIZE", 200)
#: How many due deadlines share one transaction (a failure re-applies that group one by one).
#: Each transaction has a fixed cost of about 25 statements, so a backlog drains faster in
#: larger groups; a party acting on one of the group's rows waits until it commits (about 0.4 s
#: for 200 on a 2-core machine), and is then told the deadline passed.
SWEEP_ROWS_PER_TRANSACTION: int = _setting("SWEEP_ROWS_PER_TRANSACTION", 200)

#: A refund the queued job has not paid is picked up by the sweep after this long.
REFUND_RETRY_DELAY: timedelta = _setting("REFUND_RETRY_DELAY", timedelta(minutes=5))
#: After this many provider calls that got no answer (an outage), each further one is logged as an
#: error for a person to look at; the refund stays pending, since only a refusal fails it.
REFUND_MAX_ATTEMPTS: int = _setting("REFUND_MAX_ATTEMPTS", 5)
#: A job calling the provider holds the refund this long; past it (the worker died mid-call) the
#: sweep asks again with the same idempotency key. Longer than a provider call can last.
REFUND_CLAIM_LEASE: timedelta = _setting("REFUND_CLAIM_LEASE", timedelta(minutes=10))
#: A refund the provider is still processing is asked about again this long after, in case its
#: webhook never came.
REFUND_STATUS_CHECK_DELAY: timedelta = _setting("REFUND_STATUS_CHECK_DELAY", timedelta(hours=1))

#: The destinations the admin's "destination country" filters offer: a fixed list, so a filter
#: never reads every order to find the countries there are (``SELECT DISTINCT`` over the table).
DESTINATION_COUNTRIES: tuple[str, ...] = _setting(
    "DESTINATION_COUNTRIES", ("CN", "DE", "ES", "FR", "GB", "IT", "NL", "PL", "RU", "US")
)

#: Each carrier's public tracking page; ``{number}`` is replaced by the URL-quoted tracking number.
#: A carrier missing here (a postal service without one page for every parcel) shows plain text.
TRACKING_URLS: dict[str, str] = _setting(
    "TRACKING_URLS",
    {
        "dhl": "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={number}",
        "ups": "https://www.ups.com/track?tracknum={number}",
        "fedex": "https://www.fedex.com/fedextrack/?trknbr={number}",
        "tnt": "https://www.tnt.com/express/en_gc/site/shipping-tools/tracking.html?searchType=con&cons={number}",
    },
)
