"""The payment-provider interface the refund ledger pays through: Stripe in production, a fake
that moves no money for development and tests.

A provider answers a refund request with a :class:`ProviderRefund` (paid, still processing, or
failed), raises :class:`PaymentProviderError` when it could not be asked now (the ledger retries
with the same idempotency key), :class:`PaymentProviderMisconfigured` when it refuses our own
credentials (the ledger waits for an operator) and :class:`PaymentRefused` when asking again
cannot help.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol
from uuid import UUID

import stripe
from django.conf import settings
from django.utils.module_loading import import_string


class PaymentProviderError(Exception):
    """The provider could not be asked now (outage, timeout); the refund is retried with the same
    idempotency key, so a request that did reach the provider is never paid twice."""


class PaymentProviderMisconfigured(PaymentProviderError):
    """The provider refuses our credentials (a wrong, revoked or under-privileged API key): no
    refund can be asked for until an operator fixes the configuration. Not the buyer's refund's
    fault, so it never fails one; it was not looked at, so the attempt does not count either."""


class PaymentRefused(Exception):
    """The provider said no for good (a card error, a bad request): asking again cannot help."""


@dataclass(frozen=True)
class ProviderRefund:
    """The provider's word on one refund."""

    SUCCEEDED = "succeeded"
    #: Accepted, the money is on its way; the provider's webhook (or a later check) tells the end.
    PROCESSING = "processing"
    FAILED = "failed"

    reference: str
    status: str
    failure_reason: str = ""


class PaymentProvider(Protocol):
    def refund(
        self,
        *,
        idempotency_key: UUID,
        refund_id: int,
        order_number: str,
        payment_reference: str,
        amount: Decimal,
        currency: str,
    ) -> ProviderRefund:
        """Send ``amount`` back to the payment ``payment_reference`` names.

        Calling again with the same ``idempotency_key`` must not pay again: it answers about the
        first call's refund.

        :raises PaymentProviderMisconfigured: the provider refuses our credentials
        :raises PaymentProviderError: the provider could not be asked now
        :raises PaymentRefused: the provider will never make this refund
        """

    def refund_status(self, *, reference: str) -> ProviderRefund:
        """Ask how the refund ``reference`` (from an earlier answer) is doing; never pays.

        :raises PaymentProviderMisconfigured: the provider refuses our credentials
        :raises PaymentProviderError: the provider could not be asked now
        :raises PaymentRefused: the provider does not know this refund
        """


class FakePaymentProvider:
    """Development and tests only: pays instantly and moves no money.

    Its reference is derived from the idempotency key, so a retried call answers exactly as the
    first one did, with nothing to store. The system check ``orders.E001`` refuses it under the
    production settings unless ``PORTAL_FAKE_PAYMENTS_NO_MONEY_MOVES`` opts in (a staging site).
    """

    def refund(self, *, idempotency_key: UUID, **_details) -> ProviderRefund:
        return ProviderRefund(reference=f"fake-{idempotency_key.hex[:16]}", status=ProviderRefund.SUCCEEDED)

    def refund_status(self, *, reference: str) -> ProviderRefund:
        return ProviderRefund(reference=reference, status=ProviderRefund.SUCCEEDED)


#: Currencies Stripe counts in whole units, and those it counts in thousandths.
ZERO_DECIMAL_CURRENCIES = frozenset(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split()  # noqa: SIM905
)
THREE_DECIMAL_CURRENCIES = frozenset("BHD JOD KWD OMR TND".split())  # noqa: SIM905


def minor_units(amount: Decimal, currency: str) -> int:
    """``amount`` in the smallest unit Stripe counts for ``currency`` (cents, yen, fils)."""
    code = currency.upper()
    exponent = 0 if code in ZERO_DECIMAL_CURRENCIES else 3 if code in THREE_DECIMAL_CURRENCIES else 2
    return int((amount * (10**exponent)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


#: Stripe's refund statuses, in the ledger's words.
STRIPE_STATUSES = {
    "succeeded": ProviderRefund.SUCCEEDED,
    "pending": ProviderRefund.PROCESSING,
    "requires_action": ProviderRefund.PROCESSING,
    "failed": ProviderRefund.FAILED,
    "canceled": ProviderRefund.FAILED,
}


def stripe_answer(refund: dict) -> ProviderRefund:
    """A Stripe Refund (from the API or a webhook, as a dict) as the ledger's :class:`ProviderRefund`."""
    status = STRIPE_STATUSES.get(refund["status"], ProviderRefund.PROCESSING)
    reason = ""
    if status == ProviderRefund.FAILED:
        reason = f"Stripe: refund {refund['status']}"
        if refund.get("failure_reason"):
            reason += f" ({refund['failure_reason']})"
    return ProviderRefund(reference=refund["id"], status=status, failure_reason=reason)


class StripePaymentProvider:
    """Refunds through Stripe: one Stripe Refund per ledger row, on the order's PaymentIntent
    (``pi_...``) or charge (``ch_...``), created with the row's idempotency key.

    Settings: ``STRIPE_API_KEY``; ``STRIPE_API_BASE`` points the client elsewhere (tests);
    ``STRIPE_TIMEOUT_SECONDS`` bounds one HTTP request and ``STRIPE_MAX_NETWORK_RETRIES`` the
    client's own immediate retries (each with the same key) before the ledger's slower ones.
    """

    def __init__(self) -> None:
        base = getattr(settings, "STRIPE_API_BASE", "")
        self.client = stripe.StripeClient(
            settings.STRIPE_API_KEY,
            base_addresses={"api": base} if base else None,
            max_network_retries=getattr(settings, "STRIPE_MAX_NETWORK_RETRIES", 1),
            http_client=stripe.RequestsClient(timeout=getattr(settings, "STRIPE_TIMEOUT_SECONDS", 20)),
        )

    def refund(
        self,
        *,
        idempotency_key: UUID,
        refund_id: int,
        order_number: str,
        payment_reference: str,
        amount: Decimal,
        currency: str,
        **_details,
    ) -> ProviderRefund:
        if payment_reference.startswith("pi_"):
            params = {"payment_intent": payment_reference}
        elif payment_reference.startswith("ch_"):
            params = {"charge": payment_reference}
        else:
            raise PaymentRefused(
                f"order {order_number} has no Stripe payment to refund (payment reference "
                f"{payment_reference!r}, expected pi_... or ch_...)"
            )
        params.update(
            amount=minor_units(amount, currency),
            reason="requested_by_customer",
            metadata={"refund_id": str(refund_id), "order_number": order_number},
        )
        with _stripe_errors():
            refund = self.client.v1.refunds.create(
                params=params, options={"idempotency_key": str(idempotency_key)}
            )
        return stripe_answer(refund.to_dict())

    def refund_status(self, *, reference: str) -> ProviderRefund:
        with _stripe_errors():
            return stripe_answer(self.client.v1.refunds.retrieve(reference).to_dict())


@contextmanager
def _stripe_errors() -> Iterator[None]:
    """Turn the Stripe client's exceptions into the ledger's: retry later, wait for an operator,
    or give up."""
    try:
        yield
    except stripe.StripeError as error:
        status = error.http_status
        message = f"Stripe {status or 'no answer'}: {error.user_message or error.__class__.__name__}"
        if isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
            # 401/403 (or no key at all): our key, not the buyer's refund.
            raise PaymentProviderMisconfigured(
                f"{message} (STRIPE_API_KEY is wrong, revoked or may not make refunds)"
            ) from error
        if isinstance(error, stripe.CardError):
            raise PaymentRefused(message) from error
        if status is None or status >= 500 or status in (409, 429):
            # No answer (a timeout: the refund may exist), Stripe's own trouble, the same key in
            # flight elsewhere, or too many requests: ask again later with the same key.
            raise PaymentProviderError(message) from error
        raise PaymentRefused(message) from error


def get_provider() -> PaymentProvider:
    return import_string(settings.PAYMENT_PROVIDER)()
