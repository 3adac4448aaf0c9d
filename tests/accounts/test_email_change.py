"""Changing the account's e-mail: the current password, then a link to the new address; addresses
are unique without regard to case."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.accounts import policy
from portal.accounts.admin import PortalUserCreationForm
from portal.accounts.models import User
from portal.accounts.services import email_change_token
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW = "bella.new@example.com"


def ask(client, email: str = NEW, password: str = PASSWORD):
    return client.post(reverse("accounts:email_change"), {"new_email": email, "current_password": password})


def link_in(mail) -> str:
    return re.search(re.escape(settings.SITE_URL) + r"(/accounts/email/confirm/\S+/)", mail.body).group(1)


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


@pytest.fixture
def client_factory():
    def signed_in_as(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return signed_in_as


# --- asking ---------------------------------------------------------------------------------------
def test_asking_sends_a_link_to_the_new_address_and_a_notice_to_the_old_one_and_changes_nothing(
    signed_in, buyer, mailoutbox
):
    response = ask(signed_in)

    assert response["Location"] == reverse("accounts:profile")
    buyer.refresh_from_db()
    assert buyer.email == "bella_buyer@example.com"
    confirm, notice = mailoutbox
    assert confirm.to == [NEW]
    assert confirm.subject == "Confirm your new e-mail address"
    assert "/accounts/email/confirm/" in confirm.body
    assert "48 hours" in confirm.body
    assert notice.to == ["bella_buyer@example.com"]
    assert "b***@example.com" in notice.body
    assert "/accounts/email/confirm/" not in notice.body
    flash = [str(m) for m in signed_in.get(reverse("accounts:profile")).context["messages"]]
    assert flash == [
        f"We have sent a link to {NEW}. Your e-mail address changes when you follow it; "
        "until then it stays bella_buyer@example.com."
    ]


def test_asking_needs_the_current_password(signed_in, buyer, mailoutbox):
    response = ask(signed_in, password="not my password")

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "current_password": ["Your password was entered incorrectly. Please enter it again."]
    }
    assert mailoutbox == []


@pytest.mark.parametrize("taken", ["oscar_other@example.com", "OSCAR_Other@Example.COM"])
def test_an_address_another_account_has_in_any_case_is_refused_next_to_the_field(
    signed_in, other_buyer, mailoutbox, taken
):
    response = ask(signed_in, email=taken)

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "new_email": ["Another account already uses this e-mail address."]
    }
    assert mailoutbox == []


def test_the_current_address_in_another_case_is_no_change(signed_in, mailoutbox):
    response = ask(signed_in, email="Bella_Buyer@EXAMPLE.com")

    assert response.context["form"].errors == {"new_email": ["That is already your e-mail address."]}
    assert mailoutbox == []


def test_asking_again_and_again_is_limited_per_user(signed_in, other_buyer, client_factory, mailoutbox):
    for number in range(policy.EMAIL_CHANGES_PER_USER):
        assert ask(signed_in, email=f"new{number}@example.com").status_code == 302

    refused = ask(signed_in, email="one-more@example.com")
    other = client_factory(other_buyer)
    unaffected = ask(other, email="oscar.new@example.com")

    assert refused.status_code == 429
    [error] = refused.context["form"].errors["new_email"]
    assert re.fullmatch(
        r"You have asked for several links already\. Please try again after \d\d:\d\d\.", error
    )
    assert unaffected.status_code == 302
    assert [m.to for m in mailoutbox].count(["one-more@example.com"]) == 0


def test_the_page_is_for_signed_in_users_only(client, db):
    assert client.get(reverse("accounts:email_change"))["Location"].startswith(reverse("accounts:login"))


# --- following the link ------------------------------------------------------------------------
def test_the_link_shows_a_confirmation_page_and_only_the_post_changes_the_address(
    signed_in, buyer, mailoutbox, django_capture_on_commit_callbacks
):
    ask(signed_in)
    link = link_in(mailoutbox[0])

    page = signed_in.get(link)
    buyer.refresh_from_db()
    assert page.status_code == 200
    assert NEW in page.text
    assert buyer.email == "bella_buyer@example.com"

    with django_capture_on_commit_callbacks(execute=True):
        done = signed_in.post(link)

    assert done["Location"] == reverse("accounts:profile")
    buyer.refresh_from_db()
    assert buyer.email == NEW
    changed = mailoutbox[-1]
    assert changed.to == ["bella_buyer@example.com"]
    assert changed.subject == "Your e-mail address was changed"
    assert "b***@example.com" in changed.body


def test_a_link_works_once(signed_in, buyer, mailoutbox):
    ask(signed_in)
    link = link_in(mailoutbox[0])
    signed_in.post(link)

    again = signed_in.post(link)

    assert again.status_code == 400
    assert "This link is no longer valid" in again.text


def test_a_link_dies_when_the_address_changes_meanwhile(signed_in, buyer, mailoutbox):
    ask(signed_in, email="first@example.com")
    first = link_in(mailoutbox[0])
    ask(signed_in, email="second@example.com")
    signed_in.post(link_in(mailoutbox[2]))

    stale = signed_in.post(first)

    assert stale.status_code == 400
    buyer.refresh_from_db()
    assert buyer.email == "second@example.com"


def test_a_link_expires_after_the_policy_age(signed_in, buyer, mailoutbox, time_machine):
    ask(signed_in)
    link = link_in(mailoutbox[0])
    time_machine.move_to(timezone.now() + policy.EMAIL_CHANGE_LINK_MAX_AGE + timedelta(minutes=1))

    page = signed_in.get(link)
    expired = signed_in.post(link)

    assert "This link is no longer valid" in page.text
    assert expired.status_code == 400
    buyer.refresh_from_db()
    assert buyer.email == "bella_buyer@example.com"


def test_a_link_only_works_for_the_account_it_was_made_for(client, buyer, other_buyer, mailoutbox):
    token = email_change_token(user=buyer, new_email="typo@example.com")
    client.force_login(other_buyer)

    response = client.post(reverse("accounts:email_change_confirm", args=[token]))

    assert response.status_code == 400
    other_buyer.refresh_from_db()
    buyer.refresh_from_db()
    assert (buyer.email, other_buyer.email) == ("bella_buyer@example.com", "oscar_other@example.com")


def test_a_forged_link_is_refused(signed_in, buyer):
    token = email_change_token(user=buyer, new_email=NEW)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")

    response = signed_in.post(reverse("accounts:email_change_confirm", args=[forged]))

    assert response.status_code == 400
    buyer.refresh_from_db()
    assert buyer.email == "bella_buyer@example.com"


def test_a_signed_out_visitor_is_sent_to_log_in_first(client, buyer):
    url = reverse("accounts:email_change_confirm", args=[email_change_token(user=buyer, new_email=NEW)])

    response = client.get(url)

    assert response["Location"].startswith(reverse("accounts:login"))
    buyer.refresh_from_db()
    assert buyer.email == "bella_buyer@example.com"


def test_an_address_taken_after_the_link_was_sent_is_refused(signed_in, buyer, mailoutbox):
    ask(signed_in)
    UserFactory(username="quick", email=NEW.upper())

    response = signed_in.post(link_in(mailoutbox[0]))

    assert response.status_code == 400
    assert "Another account already uses this e-mail address." in response.text
    buyer.refresh_from_db()
    assert buyer.email == "bella_buyer@example.com"


def test_the_link_is_written_in_the_users_language(signed_in, buyer, mailoutbox):
    buyer.language = "ru"
    buyer.save()

    ask(signed_in)

    confirm, _notice = mailoutbox
    assert confirm.subject == "Подтвердите новый адрес электронной почты"
    assert "48 часов" in confirm.body


# --- uniqueness -----------------------------------------------------------------------------------
def test_the_database_refuses_two_accounts_with_one_address_in_different_cases(db):
    UserFactory(username="first", email="Same@Example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="second", email="same@example.COM")


def test_several_accounts_may_have_no_address(db):
    UserFactory(username="first", email="")
    UserFactory(username="second", email="")

    assert User.objects.filter(username__in=["first", "second"], email="").count() == 2


def test_the_admin_refuses_a_new_account_with_a_taken_address(buyer):
    form = PortalUserCreationForm(
        data={
            "username": "copycat",
            "email": "BELLA_BUYER@example.com",
            "usable_password": "true",
            "password1": "a much longer passphrase",
            "password2": "a much longer passphrase",
        }
    )

    assert not form.is_valid()
    assert form.errors["email"] == ["Another account already uses this e-mail address."]


def test_the_password_reset_finds_the_account_whatever_the_case(client, buyer, mailoutbox):
    client.post(reverse("accounts:password_reset"), {"email": "BELLA_buyer@Example.com"})

    assert [m.to for m in mailoutbox] == [[buyer.email]]
