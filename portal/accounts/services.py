"""Account security use cases: throttled password resets and confirmed e-mail changes.

Services take ``now`` from the caller. E-mails about an account go out in the account's language,
to the address the use case names (a new address is not yet the account's).
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import ratelimit
from portal.accounts import policy
from portal.accounts.models import User

logger = logging.getLogger(__name__)

EMAIL_CHANGE_SALT = "portal.accounts.email-change"
CONFIRM_SUBJECT = gettext_lazy("Confirm your new e-mail address")
REQUESTED_SUBJECT = gettext_lazy("Your e-mail address is being changed")
CHANGED_SUBJECT = gettext_lazy("Your e-mail address was changed")


class AccountError(Exception):
    """A rule said no. ``str(error)`` is a sentence for the person who tried."""


class EmailInUse(AccountError):
    pass


class EmailUnchanged(AccountError):
    pass


class EmailChangeLinkInvalid(AccountError):
    """The link is forged, expired, for another account, or the e-mail changed since it was sent."""


def email_in_use(email: str, *, exclude: User | None = None) -> bool:
    """Whether another account has ``email``, compared without regard to case."""
    others = User.objects.filter(email__iexact=email.strip())
    if exclude is not None and exclude.pk is not None:
        others = others.exclude(pk=exclude.pk)
    return others.exists()


# --- password reset ------------------------------------------------------------------------------
def record_password_reset_request(*, email: str, client: str, now: datetime) -> bool:
    """Count a password-reset request against the client's limit, then the address's.

    The address is counted whether or not an account has it, so the answer never tells.

    :returns: whether a reset e-mail may go to ``email`` (``False``: it has had its share)
    :raises ratelimit.RateLimited: the client asked too often; nothing else is counted
    """
    window = policy.PASSWORD_RESET_WINDOW
    ratelimit.consume(
        scope="password_reset.client",
        key=client,
        rate=ratelimit.Rate(policy.PASSWORD_RESETS_PER_CLIENT, window),
        now=now,
    )
    try:
        ratelimit.consume(
            scope="password_reset.address",
            key=email.strip().lower(),
            rate=ratelimit.Rate(policy.PASSWORD_RESETS_PER_ADDRESS, window),
            now=now,
        )
    except ratelimit.RateLimited:
        logger.warning("Password reset not sent: the address had its share this window")
        return False
    return True


# --- e-mail change -------------------------------------------------------------------------------
@dataclass(frozen=True)
class EmailChange:
    user: User
    new_email: str


def _send(*, user: User, to: str, subject: str, template: str, context: dict) -> None:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        body = render_to_string(template, {"user": user, "site_url": settings.SITE_URL, **context})
        send_mail(str(subject), body, None, [to])


def _masked(email: str) -> str:
    """``b***@example.com``: enough for the owner to recognise, little for anyone else."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def email_change_token(*, user: User, new_email: str) -> str:
    """A signed, timestamped token naming the account, its current e-mail and the new one."""
    return signing.dumps({"user": user.pk, "old": user.email, "new": new_email}, salt=EMAIL_CHANGE_SALT)


def request_email_change(*, user: User, new_email: str, now: datetime) -> None:
    """Send a confirmation link to ``new_email`` and a notice to the current address; the
    account's e-mail does not change until the link is followed (``confirm_email_change``).

    The caller has checked the user's current password.

    :raises EmailUnchanged: ``new_email`` is the current address
    :raises EmailInUse: another account has ``new_email``
    :raises ratelimit.RateLimited: the user asked for too many links this window
    """
    new_email = new_email.strip()
    if new_email.lower() == (user.email or "").lower():
        raise EmailUnchanged(_("That is already your e-mail address."))
    if email_in_use(new_email, exclude=user):
        raise EmailInUse(_("Another account already uses this e-mail address."))
    ratelimit.consume(
        scope="email_change",
        key=str(user.pk),
        rate=ratelimit.Rate(policy.EMAIL_CHANGES_PER_USER, policy.EMAIL_CHANGE_WINDOW),
        now=now,
    )
    link = settings.SITE_URL.rstrip("/") + reverse(
        "accounts:email_change_confirm", args=[email_change_token(user=user, new_email=new_email)]
    )
    hours = int(policy.EMAIL_CHANGE_LINK_MAX_AGE.total_seconds() // 3600)
    _send(
        user=user,
        to=new_email,
        subject=CONFIRM_SUBJECT,
        template="accounts/email/email_change_confirm.txt",
        context={"link": link, "hours": hours, "new_email": new_email},
    )
    if user.email:
        _send(
            user=user,
            to=user.email,
            subject=REQUESTED_SUBJECT,
            template="accounts/email/email_change_requested.txt",
            context={"masked": _masked(new_email), "hours": hours},
        )


def read_email_change(*, token: str, user: User) -> EmailChange:
    """What a confirmation link asks, if it is still good for ``user``.

    :raises EmailChangeLinkInvalid: forged, expired, another account's, or the account's e-mail
        changed since the link was sent
    """
    invalid = EmailChangeLinkInvalid(
        _("This link is no longer valid. Please ask for a new one from your profile.")
    )
    try:
        data = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=policy.EMAIL_CHANGE_LINK_MAX_AGE)
    except signing.BadSignature:
        raise invalid from None
    if not isinstance(data, dict) or data.get("user") != user.pk or data.get("old") != user.email:
        raise invalid
    return EmailChange(user=user, new_email=str(data["new"]))


@transaction.atomic
def confirm_email_change(*, token: str, user: User) -> User:
    """Make the address a confirmation link names the account's e-mail, if it is still free.

    :raises EmailChangeLinkInvalid: see ``read_email_change`` (a used link is invalid: the
        account's e-mail has changed)
    :raises EmailInUse: another account took the address meanwhile
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    change = read_email_change(token=token, user=locked)
    if email_in_use(change.new_email, exclude=locked):
        raise EmailInUse(_("Another account already uses this e-mail address."))
    old_email = locked.email
    locked.email = change.new_email
    try:
        with transaction.atomic():
            locked.save(update_fields=["email"])
    except IntegrityError:
        # Another account took it between the check and the write (the database's constraint).
        raise EmailInUse(_("Another account already uses this e-mail address.")) from None
    if old_email:
        transaction.on_commit(
            lambda: _send(
                user=locked,
                to=old_email,
                subject=CHANGED_SUBJECT,
                template="accounts/email/email_changed.txt",
                context={"masked": _masked(change.new_email)},
            )
        )
    return locked
