"""Every number of the disputes side (SPEC "Disputes"), as named settings with defaults.

A deployment overrides any of them in Django settings, prefixed with ``DISPUTES_``.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings


def _setting(name: str, default):
    return getattr(settings, f"DISPUTES_{name}", default)


#: "Not received" can be claimed this long after shipment at the earliest (seed 003).
NOT_RECEIVED_AFTER_SHIPMENT: timedelta = _setting("NOT_RECEIVED_AFTER_SHIPMENT", timedelta(days=6))

#: Windows of the negotiation table (SPEC "Negotiation and deadlines").
SELLER_RESPONSE_WINDOW: timedelta = _setting("SELLER_RESPONSE_WINDOW", timedelta(days=15))
BUYER_RESPONSE_WINDOW: timedelta = _setting("BUYER_RESPONSE_WINDOW", timedelta(days=7))
RETURN_SHIPMENT_WINDOW: timedelta = _setting("RETURN_SHIPMENT_WINDOW", timedelta(days=10))
RETURN_CONFIRMATION_WINDOW: timedelta = _setting("RETURN_CONFIRMATION_WINDOW", timedelta(days=30))
EVIDENCE_RESPONSE_WINDOW: timedelta = _setting("EVIDENCE_RESPONSE_WINDOW", timedelta(days=5))
MEDIATION_SERVICE_TARGET: timedelta = _setting("MEDIATION_SERVICE_TARGET", timedelta(days=5))

#: A deadline may be extended once, by the party it protects, by up to this long.
MAX_DEADLINE_EXTENSION: timedelta = _setting("MAX_DEADLINE_EXTENSION", timedelta(days=15))
DEFAULT_DEADLINE_EXTENSION: timedelta = _setting("DEFAULT_DEADLINE_EXTENSION", timedelta(days=7))

#: Reminders go to the party who must act this long before the deadline.
REMINDERS_BEFORE: tuple[timedelta, ...] = _setting(
    "REMINDERS_BEFORE", (timedelta(hours=48), timedelta(hours=24))
)

#: Evidence limits (SPEC "Opening").
MAX_EVIDENCE_FILES: int = _setting("MAX_EVIDENCE_FILES", 10)
MAX_PHOTO_BYTES: int = _setting("MAX_PHOTO_BYTES", 10 * 1024 * 1024)
MAX_VIDEO_BYTES: int = _setting("MAX_VIDEO_BYTES", 100 * 1024 * 1024)
#: Photos above this many pixels are refused (decompression bombs, "pixel floods"). A 48 MP phone
#: sensor makes 8064x6048 = 48.8 MP JPEGs; the worker decodes a JPEG at 1/2-1/8 of its size.
MAX_IMAGE_PIXELS: int = _setting("MAX_IMAGE_PIXELS", 50_000_000)
#: PNG and WebP can only be decoded whole (WebP needs ~15 bytes a pixel to decode): this keeps the
#: worker under ~150 MB. Phones take JPEGs; their PNG/WebP are screenshots, all under 6 MP.
MAX_PNG_WEBP_PIXELS: int = _setting("MAX_PNG_WEBP_PIXELS", 8_000_000)
DISPLAY_IMAGE_MAX_SIDE: int = _setting("DISPLAY_IMAGE_MAX_SIDE", 1600)
THUMBNAIL_SIDE: int = _setting("THUMBNAIL_SIDE", 320)

#: Evidence files one user may upload per window, across all their disputes (issue 12): ten
#: files with each of five actions is far more than a case needs; a script meets the limit.
MAX_EVIDENCE_FILES_PER_WINDOW: int = _setting("MAX_EVIDENCE_FILES_PER_WINDOW", 50)
EVIDENCE_RATE_WINDOW: timedelta = _setting("EVIDENCE_RATE_WINDOW", timedelta(hours=1))

#: A buyer who won this many disputes in a row is flagged to mediators (seed 004).
WINS_IN_A_ROW_FLAG: int = _setting("WINS_IN_A_ROW_FLAG", 3)

#: Text limits on what people write.
MAX_DESCRIPTION_LENGTH: int = _setting("MAX_DESCRIPTION_LENGTH", 4000)

#: How many due dispute deadlines the sweep claims per batch.
SWEEP_BATCH_SIZE: int = _setting("SWEEP_BATCH_SIZE", 200)
#: How many due deadlines share one transaction (a failure re-applies that group one by one).
#: Each transaction has a fixed cost of about 25 statements, so a backlog drains faster in
#: larger groups; a party acting on one of the group's rows waits until it commits (about 0.4 s
#: for 200 on a 2-core machine), and is then told the deadline passed.
SWEEP_ROWS_PER_TRANSACTION: int = _setting("SWEEP_ROWS_PER_TRANSACTION", 200)

#: Evidence still unprocessed this long after upload (its job was lost) is processed by the sweep.
EVIDENCE_PROCESSING_GRACE: timedelta = _setting("EVIDENCE_PROCESSING_GRACE", timedelta(minutes=2))

#: Appeals (issue 16): either party may appeal a mediator's decision once, this long after it.
APPEAL_WINDOW: timedelta = _setting("APPEAL_WINDOW", timedelta(days=30))
#: The other party has this long to answer an appeal; then it goes to a mediator without it.
APPEAL_ANSWER_WINDOW: timedelta = _setting("APPEAL_ANSWER_WINDOW", timedelta(days=7))


def appeal_clawback() -> bool:
    """``DISPUTES_APPEAL_CLAWBACK``: whether an appeal decided in the seller's favour records a
    clawback for finance of what the buyer was refunded too much (never taken from the buyer's
    card). Off by default: the marketplace bears it. Read when an appeal is decided, so the
    marketplace can change it without a restart of the code that imported this module."""
    return bool(_setting("APPEAL_CLAWBACK", False))


#: The mediation queue's "amount asked" filter, per currency: the band edges (a dispute asking
#: for exactly an edge falls in the band above it). A currency not listed is offered unbanded.
QUEUE_AMOUNT_BANDS: dict[str, tuple[Decimal, ...]] = _setting(
    "QUEUE_AMOUNT_BANDS",
    {
        "USD": (Decimal("25"), Decimal("100"), Decimal("500")),
        "EUR": (Decimal("25"), Decimal("100"), Decimal("500")),
        "GBP": (Decimal("20"), Decimal("80"), Decimal("400")),
        "PLN": (Decimal("100"), Decimal("400"), Decimal("2000")),
        "RUB": (Decimal("2500"), Decimal("10000"), Decimal("50000")),
        "CNY": (Decimal("180"), Decimal("700"), Decimal("3500")),
    },
)

#: The public seller record (issue 16, item 5): the recent window it reports, compared on the
#: seller's own page with the window before it, and the chart's periods.
SELLER_RECORD_WINDOW: timedelta = _setting("SELLER_RECORD_WINDOW", timedelta(days=90))
SELLER_RECORD_CHART_PERIOD: timedelta = _setting("SELLER_RECORD_CHART_PERIOD", timedelta(days=30))
SELLER_RECORD_CHART_PERIODS: int = _setting("SELLER_RECORD_CHART_PERIODS", 6)

#: Case dossiers (PDF or ZIP) one user may download per window: each is rendered on demand, and a
#: mediator's ZIP carries every original.
MAX_DOSSIERS_PER_WINDOW: int = _setting("MAX_DOSSIERS_PER_WINDOW", 20)
DOSSIER_RATE_WINDOW: timedelta = _setting("DOSSIER_RATE_WINDOW", timedelta(hours=1))
