"""Endpoints the payment provider calls: no session, no CSRF token; a signature instead."""

import logging

import stripe
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from orders import refunds
from orders.payments import stripe_answer

logger = logging.getLogger(__name__)

#: The events whose object is a Refund (Stripe sends the others too if the endpoint asks).
REFUND_EVENTS = frozenset({"charge.refund.updated", "refund.created", "refund.updated", "refund.failed"})


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe tells how a refund is doing: verify the signature, then record its word.

    A bad signature or a malformed body is a 400 that changes nothing; an event about a refund
    that is not ours, or of a type we do not follow, is a 200 so that Stripe stops sending it.
    """
    if not settings.STRIPE_WEBHOOK_SECRET:
        logger.error("Stripe webhook called but STRIPE_WEBHOOK_SECRET is not set")
        return HttpResponse("The Stripe webhook is not configured.", status=503, content_type="text/plain")
    try:
        event = stripe.Webhook.construct_event(
            request.body, request.headers.get("Stripe-Signature"), settings.STRIPE_WEBHOOK_SECRET
        )
    except stripe.SignatureVerificationError as error:
        logger.warning("Stripe webhook refused: %s", error.user_message)
        return HttpResponse("Bad signature.", status=400, content_type="text/plain")
    except (ValueError, TypeError, AttributeError, KeyError):
        # Signed by Stripe's secret, yet not an event: never guess at what it meant.
        logger.warning("Stripe webhook refused: the body is not an event")
        return HttpResponse("Malformed event.", status=400, content_type="text/plain")
    try:
        event_type = event["type"]
        refund = event["data"]["object"].to_dict() if event_type in REFUND_EVENTS else None
        if refund is not None and refund.get("object") != "refund":
            raise ValueError(f"a {event_type} event about a {refund.get('object')!r}")
        word = stripe_answer(refund) if refund is not None else None
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        logger.warning("Stripe webhook refused: malformed %s", error)
        return HttpResponse("Malformed event.", status=400, content_type="text/plain")
    if word is None:
        return HttpResponse("Ignored.", content_type="text/plain")
    metadata = refund.get("metadata") or {}
    refunds.record_refund_update(
        word=word,
        ledger_id=str(metadata.get("refund_id", "")),
        order_number=str(metadata.get("order_number", "")),
        now=timezone.now(),
    )
    return HttpResponse("OK.", content_type="text/plain")
