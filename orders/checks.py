"""System checks of the orders side: refunds never go to the fake provider in production by
accident, and the real provider has what it needs to pay and to hear back."""

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

from orders.payments import FakePaymentProvider, StripePaymentProvider


@checks.register(checks.Tags.security)
def check_payment_provider(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """``orders.E001``-``E004``: the configured payment provider is usable where it runs."""
    try:
        provider = import_string(settings.PAYMENT_PROVIDER)
    except ImportError as error:
        return [
            checks.Error(
                f"PAYMENT_PROVIDER {settings.PAYMENT_PROVIDER!r} cannot be imported: {error}",
                id="orders.E004",
            )
        ]
    problems: list[checks.CheckMessage] = []
    fake = isinstance(provider, type) and issubclass(provider, FakePaymentProvider)
    if fake and getattr(settings, "PORTAL_PRODUCTION", False):
        if getattr(settings, "PORTAL_FAKE_PAYMENTS_NO_MONEY_MOVES", False):
            problems.append(
                checks.Info(
                    "Refunds go to the fake payment provider: no money moves (staging opt-in).",
                    id="orders.I001",
                )
            )
        else:
            problems.append(
                checks.Error(
                    "The production settings would pay refunds with the fake provider: no buyer would "
                    "get their money back.",
                    hint="Set STRIPE_API_KEY and STRIPE_WEBHOOK_SECRET (PAYMENT_PROVIDER defaults to "
                    "Stripe here), or, for a staging site only, PORTAL_FAKE_PAYMENTS_NO_MONEY_MOVES=true.",
                    id="orders.E001",
                )
            )
    if isinstance(provider, type) and issubclass(provider, StripePaymentProvider):
        if not settings.STRIPE_API_KEY:
            problems.append(
                checks.Error(
                    "Refunds go through Stripe but STRIPE_API_KEY is not set.",
                    hint="Use a restricted key with write access to Refunds (rk_live_...) or the "
                    "secret key (sk_live_...).",
                    id="orders.E002",
                )
            )
        if not settings.STRIPE_WEBHOOK_SECRET:
            problems.append(
                checks.Error(
                    "Refunds go through Stripe but STRIPE_WEBHOOK_SECRET is not set: refunds Stripe "
                    "finishes later would never be marked paid or failed.",
                    hint="Register <site>/payments/stripe/webhook/ in Stripe's dashboard and set its "
                    "signing secret (whsec_...).",
                    id="orders.E003",
                )
            )
    return problems
