"""The system checks that keep the fake payment provider out of production and make sure the
real one has its keys (run by every manage.py command and by `check --deploy` in CI)."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from orders.checks import check_payment_provider
from orders.payments import minor_units

FAKE = "orders.payments.FakePaymentProvider"
STRIPE = "orders.payments.StripePaymentProvider"


def ids(settings, **overrides) -> list[str]:
    for name, value in overrides.items():
        setattr(settings, name, value)
    return [message.id for message in check_payment_provider()]


def test_development_runs_the_fake_provider_without_a_word(settings):
    assert ids(settings, PORTAL_PRODUCTION=False, PAYMENT_PROVIDER=FAKE) == []


def test_production_refuses_the_fake_provider(settings):
    assert ids(settings, PORTAL_PRODUCTION=True, PAYMENT_PROVIDER=FAKE) == ["orders.E001"]


def test_a_subclass_of_the_fake_is_the_fake(settings):
    assert ids(settings, PORTAL_PRODUCTION=True, PAYMENT_PROVIDER="tests.factories.FlakyPaymentProvider") == [
        "orders.E001"
    ]


def test_a_staging_site_may_opt_in_to_the_fake_loudly(settings):
    assert ids(
        settings, PORTAL_PRODUCTION=True, PAYMENT_PROVIDER=FAKE, PORTAL_FAKE_PAYMENTS_NO_MONEY_MOVES=True
    ) == ["orders.I001"]


@pytest.mark.parametrize(
    ("key", "secret", "expected"),
    [
        ("", "", ["orders.E002", "orders.E003"]),
        ("sk_test_x", "", ["orders.E003"]),
        ("", "whsec_x", ["orders.E002"]),
        ("sk_test_x", "whsec_x", []),
    ],
)
def test_stripe_needs_its_api_key_and_webhook_secret(settings, key, secret, expected):
    assert (
        ids(
            settings,
            PORTAL_PRODUCTION=True,
            PAYMENT_PROVIDER=STRIPE,
            STRIPE_API_KEY=key,
            STRIPE_WEBHOOK_SECRET=secret,
        )
        == expected
    )


def test_a_provider_that_cannot_be_imported_is_an_error(settings):
    assert ids(settings, PAYMENT_PROVIDER="orders.payments.NoSuchProvider") == ["orders.E004"]


def _check_under_production_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STRIPE_", "PAYMENT_PROVIDER", "PORTAL_FAKE_PAYMENTS", "DATABASE_URL"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="portal.settings.prod",
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_ALLOWED_HOSTS="example.com",
        PORTAL_VAR_DIR=str(tmp_path),
        **env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_production_settings_default_to_stripe_and_refuse_to_start_without_its_keys(tmp_path):
    refused = _check_under_production_settings(tmp_path)
    fake = _check_under_production_settings(tmp_path, PAYMENT_PROVIDER=FAKE)
    staging = _check_under_production_settings(
        tmp_path, PAYMENT_PROVIDER=FAKE, PORTAL_FAKE_PAYMENTS_NO_MONEY_MOVES="true"
    )
    configured = _check_under_production_settings(
        tmp_path, STRIPE_API_KEY="sk_test_ci", STRIPE_WEBHOOK_SECRET="whsec_ci"
    )

    assert refused.returncode == 1 and "orders.E002" in refused.stderr and "orders.E003" in refused.stderr
    assert fake.returncode == 1 and "orders.E001" in fake.stderr
    assert staging.returncode == 0, staging.stderr
    assert configured.returncode == 0, configured.stderr


@pytest.mark.parametrize(
    ("amount", "currency", "units"),
    [("25.50", "USD", 2550), ("25.50", "eur", 2550), ("1500", "JPY", 1500), ("1.234", "KWD", 1234)],
)
def test_amounts_go_to_stripe_in_the_currencys_smallest_unit(amount, currency, units):
    assert minor_units(Decimal(amount), currency) == units
