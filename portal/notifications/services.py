"""Deliver a notification: an in-app row and an e-mail in the recipient's language and time zone."""

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.accounts.models import User
from portal.notifications.models import Notification


@dataclass(frozen=True)
class Message:
    """What to tell one recipient. ``title``/``body`` are lazy strings formatted with ``params``
    inside the recipient's language and time zone; a callable param is called there too."""

    kind: str
    title: str
    body: str
    url: str
    dedupe_key: str
    params: dict = field(default_factory=dict)
    essential: bool = False


def _localise(value):
    if callable(value):
        # Sentences that contain times are built inside the recipient's language and time zone.
        value = value()
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d %b %Y, %H:%M %Z")
    return value


def deliver(*, recipient: User, message: Message, now: datetime) -> Notification | None:
    """Write the in-app notification and e-mail it; a repeated delivery does nothing.

    Returns the new notification, or ``None`` when this recipient already had it.
    """
    try:
        tz = zoneinfo.ZoneInfo(recipient.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo("UTC")
    with translation.override(recipient.language), timezone.override(tz):
        params = {key: _localise(value) for key, value in message.params.items()}
        title = str(message.title) % params
        body = str(message.body) % params
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=recipient,
                    kind=message.kind,
                    title=title[:200],
                    body=body,
                    url=message.url,
                    essential=message.essential,
                    dedupe_key=message.dedupe_key[:120],
                    created_at=now,
                )
        except IntegrityError:
            return None
        wants_email = recipient.email and (message.essential or recipient.email_non_essential)
        if wants_email:
            context = {
                "recipient": recipient,
                "title": title,
                "body": body,
                "link": settings.SITE_URL + message.url,
            }
            send_mail(
                subject=title,
                message=render_to_string("notifications/email.txt", context),
                html_message=render_to_string("notifications/email.html", context),
                from_email=None,
                recipient_list=[recipient.email],
            )
            notification.emailed_at = now
            notification.save(update_fields=["emailed_at"])
    return notification


def mark_all_read(*, user: User, now: datetime) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now)
