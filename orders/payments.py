"""The payment-provider interface the refund ledger pays through, and the default fake provider."""

from decimal import Decimal
from typing import Protocol
from uuid import UUID

from django.conf import settings
from django.utils.module_loading import import_string


class PaymentProviderError(Exception):
    """The provider could not pay now; the refund stays pending and is retried."""


class PaymentProvider(Protocol):
    def refund(self, *, idempotency_key: UUID, order_number: str, amount: Decimal, currency: str) -> str:
        """Send ``amount`` back to the buyer's payment method; return the provider's reference.

        Calling again with the same ``idempotency_key`` must not pay again: it returns the first
        call's reference.
        """


class FakePaymentProvider:
    """Pays instantly into its own table, honouring idempotency keys like a real provider."""

    def refund(self, *, idempotency_key: UUID, order_number: str, amount: Decimal, currency: str) -> str:
        from orders.models import FakeProviderPayout

        payout, _created = FakeProviderPayout.objects.get_or_create(
            idempotency_key=idempotency_key,
            defaults={
                "amount": amount,
                "currency": currency,
                "reference": f"fake-{idempotency_key.hex[:16]}",
            },
        )
        return payout.reference


def get_provider() -> PaymentProvider:
    return import_string(settings.PAYMENT_PROVIDER)()
