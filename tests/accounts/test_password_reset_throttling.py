"""Password-reset requests are limited per address and per client, without telling whether an
account has the address."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts import policy
from portal.accounts.models import RateCounter

pytestmark = pytest.mark.django_db

DONE = reverse("accounts:password_reset_done")


def reset(client, email: str, *, ip: str = "203.0.113.7", forwarded: str = ""):
    headers = {"REMOTE_ADDR": ip}
    if forwarded:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(reverse("accounts:password_reset"), {"email": email}, **headers)


def test_six_requests_for_one_address_send_three_mails_and_answer_the_same_every_time(
    client, buyer, mailoutbox
):
    responses = [reset(client, buyer.email) for _ in range(6)]

    assert [r.status_code for r in responses] == [302] * 6
    assert {r["Location"] for r in responses} == {DONE}
    assert len(mailoutbox) == policy.PASSWORD_RESETS_PER_ADDRESS == 3
    assert all(m.to == [buyer.email] for m in mailoutbox)


def test_the_address_is_counted_in_any_case(client, buyer, mailoutbox):
    for email in (
        "bella_buyer@example.com",
        "BELLA_BUYER@example.com",
        "Bella_Buyer@Example.com",
        buyer.email,
    ):
        reset(client, email)

    assert len(mailoutbox) == 3


def test_an_unknown_address_gets_the_same_answer_and_is_counted_the_same(client, buyer, mailoutbox):
    unknown = [reset(client, "nobody@example.com") for _ in range(4)]
    known = [reset(client, buyer.email, ip="198.51.100.9") for _ in range(4)]

    assert [(r.status_code, r["Location"]) for r in unknown] == [
        (r.status_code, r["Location"]) for r in known
    ]
    assert [m.to for m in mailoutbox] == [[buyer.email]] * 3


def test_a_client_over_its_limit_gets_a_429_saying_when_to_try_again(client, db, mailoutbox):
    for number in range(policy.PASSWORD_RESETS_PER_CLIENT):
        assert reset(client, f"someone{number}@example.com").status_code == 302

    response = reset(client, "one-more@example.com")

    assert response.status_code == 429
    assert re.search(r"Please try again after \d\d:\d\d\.", response.text)
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= policy.PASSWORD_RESET_WINDOW.total_seconds()


def test_a_throttled_client_does_not_use_up_the_addresses_share(client, buyer, mailoutbox):
    for number in range(policy.PASSWORD_RESETS_PER_CLIENT):
        reset(client, f"someone{number}@example.com")

    reset(client, buyer.email)
    reset(client, buyer.email, ip="198.51.100.9")

    assert [m.to for m in mailoutbox] == [[buyer.email]]


def test_x_forwarded_for_does_not_dodge_the_client_limit_without_trusted_proxies(client, db):
    for number in range(policy.PASSWORD_RESETS_PER_CLIENT):
        reset(client, f"someone{number}@example.com", forwarded=f"10.0.0.{number}")

    response = reset(client, "one-more@example.com", forwarded="10.9.9.9")

    assert response.status_code == 429


def test_behind_a_trusted_proxy_each_client_address_has_its_own_limit(client, db, settings):
    settings.TRUSTED_PROXIES = 1
    proxy = "192.0.2.1"
    for number in range(policy.PASSWORD_RESETS_PER_CLIENT):
        reset(client, f"someone{number}@example.com", ip=proxy, forwarded="203.0.113.50")

    same_client = reset(client, "one-more@example.com", ip=proxy, forwarded="10.1.1.1, 203.0.113.50")
    other_client = reset(client, "one-more@example.com", ip=proxy, forwarded="203.0.113.51")

    assert same_client.status_code == 429
    assert other_client.status_code == 302


def test_the_limits_start_again_in_the_next_window(client, buyer, mailoutbox, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    for _ in range(5):
        reset(client, buyer.email)

    time_machine.move_to(timezone.now() + policy.PASSWORD_RESET_WINDOW + timedelta(seconds=1), tick=False)
    reset(client, buyer.email)

    assert len(mailoutbox) == 4


def test_no_address_or_client_is_stored_in_the_clear(client, buyer):
    reset(client, buyer.email)

    keys = list(RateCounter.objects.values_list("key", flat=True))
    assert len(keys) == 2
    assert all(re.fullmatch(r"[0-9a-f]{64}", key) for key in keys)
