"""Signing in and out, passwords, the profile's time zone and language, and who enters the admin."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from orders.permissions import is_seller
from portal.accounts.roles import is_mediator
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a much longer passphrase for 2027"


def logged_in_user_id(client) -> str | None:
    return client.session.get(SESSION_KEY)


# --- log in / log out --------------------------------------------------------------------------
def test_a_user_logs_in_and_lands_on_their_orders(client, buyer):
    response = client.post(reverse("accounts:login"), {"username": buyer.username, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert logged_in_user_id(client) == str(buyer.pk)
    assert client.get(reverse("home"))["Location"] == reverse("orders:list")


def test_logging_in_returns_to_the_page_that_asked(client, order, buyer):
    detail = reverse("orders:detail", args=[order.number])

    response = client.post(
        f"{reverse('accounts:login')}?next={detail}",
        {"username": buyer.username, "password": PASSWORD, "next": detail},
    )

    assert response["Location"] == detail


def test_a_wrong_password_does_not_log_in(client, buyer):
    response = client.post(reverse("accounts:login"), {"username": buyer.username, "password": "nope"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert logged_in_user_id(client) is None


def test_logging_out_ends_the_session(client, buyer):
    client.force_login(buyer)

    response = client.post(reverse("accounts:logout"))

    assert response["Location"] == reverse("accounts:login")
    assert logged_in_user_id(client) is None
    assert client.get(reverse("orders:list")).status_code == 302


def test_logging_out_needs_a_post(client, buyer):
    client.force_login(buyer)

    response = client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert logged_in_user_id(client) == str(buyer.pk)


# --- passwords ---------------------------------------------------------------------------------
def test_a_user_changes_their_password(client, buyer):
    client.force_login(buyer)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response["Location"] == reverse("accounts:password_change_done")
    buyer.refresh_from_db()
    assert buyer.check_password(NEW_PASSWORD)
    assert logged_in_user_id(client) == str(buyer.pk)


def test_a_password_change_needs_the_old_password(client, buyer):
    client.force_login(buyer)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    buyer.refresh_from_db()
    assert buyer.check_password(PASSWORD)


def test_password_change_is_for_signed_in_users_only(client, db):
    response = client.get(reverse("accounts:password_change"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_password_reset_emails_a_link_that_sets_a_new_password(client, buyer, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": buyer.email})

    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == [buyer.email]
    link = re.search(r"http://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)", email.body).group(1)

    set_password_page = client.get(link, follow=True)
    assert set_password_page.status_code == 200
    assert set_password_page.context["validlink"] is True
    form_url = set_password_page.redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done["Location"] == reverse("accounts:password_reset_complete")
    buyer.refresh_from_db()
    assert buyer.check_password(NEW_PASSWORD)
    client.logout()
    assert client.login(username=buyer.username, password=NEW_PASSWORD)


def test_a_password_reset_link_works_only_once(client, buyer, mailoutbox):
    client.post(reverse("accounts:password_reset"), {"email": buyer.email})
    link = re.search(r"http://testserver(\S+)", mailoutbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = client.get(link, follow=True)

    assert again.context["validlink"] is False


def test_a_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, db, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})

    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mailoutbox == []


# --- profile: time zone and language -----------------------------------------------------------
def profile_form(user, **overrides) -> dict:
    data = {
        "first_name": user.first_name,
        "last_name": "Buyer",
        "email": user.email,
        "time_zone": "UTC",
        "language": "en",
        "email_non_essential": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_user_sets_their_time_zone_and_language(client, buyer):
    client.force_login(buyer)

    response = client.post(
        reverse("accounts:profile"),
        profile_form(buyer, time_zone="Europe/Moscow", language="ru", email_non_essential=None),
    )

    assert response["Location"] == reverse("accounts:profile")
    buyer.refresh_from_db()
    assert (buyer.time_zone, buyer.language, buyer.last_name) == ("Europe/Moscow", "ru", "Buyer")
    assert buyer.email_non_essential is False


@pytest.mark.parametrize(("field", "value"), [("time_zone", "Mars/Olympus_Mons"), ("language", "xx")])
def test_a_profile_with_bad_input_is_not_saved(client, buyer, field, value):
    client.force_login(buyer)
    data = {**profile_form(buyer, time_zone="Asia/Tokyo", language="ru"), field: value}

    response = client.post(reverse("accounts:profile"), data)

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    buyer.refresh_from_db()
    assert (buyer.time_zone, buyer.language) == ("UTC", "en")


def test_the_profile_form_cannot_change_the_email_address(client, buyer):
    client.force_login(buyer)

    response = client.post(reverse("accounts:profile"), profile_form(buyer, email="mallory@example.com"))

    assert response["Location"] == reverse("accounts:profile")
    buyer.refresh_from_db()
    assert buyer.email == "bella_buyer@example.com"


def test_the_profile_is_for_signed_in_users_only(client, db):
    assert client.get(reverse("accounts:profile"))["Location"].startswith(reverse("accounts:login"))


def test_deadlines_are_shown_in_the_users_time_zone(client, buyer, order, time_machine, now):
    time_machine.move_to(now + timedelta(hours=1), tick=False)
    buyer.time_zone = "Europe/Moscow"
    buyer.save()
    client.force_login(buyer)

    response = client.get(reverse("orders:detail", args=[order.number]))

    # Ship-by is 8 November 2026, 12:00 UTC: 15:00 in Moscow.
    assert "Sunday 8 November 2026, 15:00" in response.text
    assert "Times are shown in Europe/Moscow." in response.text


def test_deadlines_are_shown_in_utc_to_a_user_who_kept_the_default(client, buyer, order, time_machine, now):
    time_machine.move_to(now + timedelta(hours=1), tick=False)
    client.force_login(buyer)

    response = client.get(reverse("orders:detail", args=[order.number]))

    assert "Sunday 8 November 2026, 12:00" in response.text
    assert "Times are shown in UTC." in response.text


def test_pages_are_served_in_the_users_language(client, buyer):
    buyer.language = "ru"
    buyer.save()
    client.force_login(buyer)

    response = client.get(reverse("orders:list"))

    assert response["Content-Language"] == "ru"
    assert '<html lang="ru">' in response.text


# --- roles and the admin -----------------------------------------------------------------------
def test_the_roles_are_told_apart(buyer, seller, mediator, staff_non_mediator, superuser):
    assert [is_mediator(u) for u in (buyer, seller, mediator, staff_non_mediator, superuser)] == [
        False,
        False,
        True,
        False,
        True,
    ]
    assert [is_seller(u) for u in (buyer, seller, mediator)] == [False, True, False]


def test_an_inactive_mediator_is_no_mediator(db):
    from tests.factories import mediator_user

    assert is_mediator(mediator_user(is_active=False)) is False


@pytest.mark.parametrize("user", ["mediator", "superuser"])
def test_mediators_and_superusers_enter_the_admin(request, client, user):
    client.force_login(request.getfixturevalue(user))

    response = client.get("/admin/")

    assert response.status_code == 200
    assert "mediation console" in response.text


@pytest.mark.parametrize("user", ["staff_non_mediator", "buyer", "seller"])
def test_everyone_else_is_refused_by_the_admin(request, client, user):
    client.force_login(request.getfixturevalue(user))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"


def test_an_anonymous_visitor_is_sent_to_the_admin_login(client, db):
    response = client.get("/admin/")

    assert response["Location"] == "/admin/login/?next=/admin/"


def test_a_staff_user_outside_the_mediators_group_cannot_get_in_through_the_admin_login(client, db):
    staff = UserFactory(username="stella_staff", is_staff=True)

    client.post("/admin/login/?next=/admin/", {"username": staff.username, "password": PASSWORD})
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"


def test_a_mediator_logs_in_through_the_admin_login(client, mediator):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": mediator.username, "password": PASSWORD, "next": "/admin/"}
    )

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
