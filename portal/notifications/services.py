"""Deliver a notification: an in-app row and an e-mail in the recipient's language and time zone."""

import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import pgettext

from portal import formatting
from portal.accounts.models import User
from portal.notifications.models import Notification

#: A text of a message: a (lazy) string formatted with the params, or a callable that builds it.
Text = str | Callable[[], str]


@dataclass(frozen=True)
class Message:
    """What to tell one recipient.

    Texts are lazy strings formatted with ``params`` (or callables returning text), both
    evaluated inside the recipient's language and time zone; a callable param is called there
    too, and dates and amounts in params are written the recipient's way.
    """

    kind: str
    title: Text
    #: What happened.
    body: Text
    url: str
    dedupe_key: str
    params: dict = field(default_factory=dict)
    #: Deadline notices are essential: e-mailed whatever the recipient's preference says.
    essential: bool = False
    #: What the recipient must do by ``act_by``; without ``act_by``, what happens next.
    next_step: Text = ""
    #: What happens if the recipient does not act by ``act_by``.
    otherwise: Text = ""
    act_by: datetime | None = None
    #: The words of the e-mail's button.
    link_text: Text = ""
    #: When it happened, if not when it is delivered (the list shows and sorts by it).
    happened_at: datetime | None = None


def quoted(note: str) -> str:
    """Someone's own words, set apart in the active language's quotation marks, to end a body
    (nothing when they wrote none)."""
    return "\n\n" + pgettext("quoted words", "“%(words)s”") % {"words": note} if note else ""


def _zone(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


@contextmanager
def recipient_locale(user: User) -> Iterator[None]:
    """Activate ``user``'s language and time zone, as their pages do."""
    with translation.override(user.language or settings.LANGUAGE_CODE), timezone.override(_zone(user)):
        yield


def _param(value):
    if callable(value):
        value = value()
    if isinstance(value, datetime):
        return formatting.moment(value, zone=True)
    if isinstance(value, Decimal):
        return formatting.number(value)
    return value


def _text(text: Text, params: dict) -> str:
    if callable(text):
        return text()
    if not text:
        return ""
    # ``%`` straight on the lazy string: a lazy plural picks its form from the params.
    return str(text % params) if params else str(text)


@dataclass(frozen=True)
class _Rendered:
    title: str
    body: str
    next_step: str
    otherwise: str
    link_text: str


def _render(message: Message) -> _Rendered:
    params = {key: _param(value) for key, value in message.params.items()}
    return _Rendered(
        # A subject line is one line.
        title=" ".join(_text(message.title, params).split())[:200],
        body=_text(message.body, params),
        next_step=_text(message.next_step, params),
        otherwise=_text(message.otherwise, params),
        link_text=_text(message.link_text, params),
    )


def _record(
    *, recipient: User, message: Message, texts: _Rendered, now: datetime
) -> tuple[Notification, bool]:
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                kind=message.kind,
                title=texts.title,
                body=texts.body,
                next_step=texts.next_step,
                otherwise=texts.otherwise,
                act_by=message.act_by,
                url=message.url,
                essential=message.essential,
                dedupe_key=message.dedupe_key[:120],
                created_at=message.happened_at or now,
            )
    except IntegrityError:
        return Notification.objects.get(recipient=recipient, dedupe_key=message.dedupe_key[:120]), False
    return notification, True


def _claim_email(notification: Notification, now: datetime) -> bool:
    """Take the right to send this notification's e-mail; only one delivery ever gets it."""
    return bool(
        Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(emailed_at=now)
    )


def _send_email(*, recipient: User, notification: Notification, link_text: str) -> None:
    context = {
        "recipient": recipient,
        "notification": notification,
        "act_by": formatting.moment(notification.act_by, zone=True) if notification.act_by else "",
        "link": settings.SITE_URL + notification.url,
        "link_text": link_text,
        "profile_link": settings.SITE_URL + reverse("accounts:profile"),
        "time_zone": timezone.get_current_timezone_name(),
    }
    email = EmailMultiAlternatives(
        subject=notification.title,
        body=render_to_string("notifications/email.txt", context),
        to=[recipient.email],
        # Out-of-office replies and auto-responders must not answer a notification.
        headers={"Auto-Submitted": "auto-generated"},
    )
    email.attach_alternative(render_to_string("notifications/email.html", context), "text/html")
    email.send()


def wants_email(recipient: User, message: Message) -> bool:
    """Deadline notices always go; the rest only to those who did not turn them off."""
    return bool(recipient.email) and (message.essential or recipient.email_non_essential)


def deliver(*, recipient: User, message: Message, now: datetime) -> Notification | None:
    """Write the in-app notification and e-mail it, each at most once per recipient and message.

    A repeated delivery (a retried job, a re-run sweep) finds the notification and sends nothing
    more, except the e-mail a failed send left unsent. Returns the new notification, or ``None``
    when this recipient already had it.

    :raises Exception: whatever the mail backend raises; the notification stays, and the next
        delivery of the same message sends its e-mail
    """
    with recipient_locale(recipient):
        texts = _render(message)
        notification, created = _record(recipient=recipient, message=message, texts=texts, now=now)
        if wants_email(recipient, message) and _claim_email(notification, now):
            try:
                _send_email(recipient=recipient, notification=notification, link_text=texts.link_text)
            except Exception:
                Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
                raise
    return notification if created else None


def settle_calls_to_action(*, recipient: User, url: str, now: datetime) -> int:
    """The recipient's notifications that ask for action on the page ``url`` no longer do: what
    they asked for was answered another way (a dispute opened on the order they asked to confirm
    or dispute). They stay in the list, without "Your move". Returns how many changed."""
    return Notification.objects.filter(
        recipient=recipient, url=url, act_by__isnull=False, settled_at__isnull=True
    ).update(settled_at=now)


def mark_notification_read(*, notification: Notification, now: datetime) -> Notification:
    """Record that the recipient opened the notification (the first time only)."""
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def mark_all_read(*, user: User, now: datetime) -> int:
    """Mark every unread notification of ``user`` read; returns how many were unread."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now)
