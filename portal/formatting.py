"""Moments and amounts as people read them, in the active language and time zone.

Pages, sentences and e-mails share these so a deadline reads the same everywhere. The date
formats are translatable on purpose: Russian needs the genitive month ("24 ноября"), which
English-shaped format strings such as "j M Y" cannot give.
"""

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import formats, timezone, translation
from django.utils.translation import gettext


def moment(value: datetime, *, zone: bool = False) -> str:
    """``value`` in the active time zone: "24 Nov 2026, 15:00", with " MSK" when ``zone``."""
    local = timezone.localtime(value)
    # Translators: a date format (see Django's "date" filter); Russian wants "j E Y, H:i".
    text = formats.date_format(local, gettext("j M Y, H:i"))
    if zone:
        text = f"{text} {formats.date_format(local, 'T')}"
    return text


def number(amount: Decimal) -> str:
    """``amount`` with two decimals in the active language's notation ("60.00", "60,00")."""
    return formats.number_format(amount, decimal_pos=2, use_l10n=True)


def money(amount: Decimal, currency: str) -> str:
    """``amount`` as :func:`number` writes it, then the currency code."""
    return f"{number(amount)} {currency}"


def shown_text(stored: str, known: tuple) -> str:
    """A fixed text kept in a record in the site's language (:func:`stored_label`), in the reader's
    language: the one of ``known`` (lazy translations) it was written from, or ``stored`` as it is
    (what a person wrote)."""
    with translation.override(settings.LANGUAGE_CODE):
        texts = {str(text): text for text in known}
    text = texts.get(stored)
    return stored if text is None else str(text)


def stored_label(label: Callable[[], str]) -> str:
    """A choice's label as stored in a permanent record: in the site's language, whatever language
    the person who acted reads, so the record says the same to everyone who reads it later."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(label())


def shown_label(stored: str, choices: type[models.Choices]) -> str:
    """The label :func:`stored_label` kept in a record, in the reader's language: the choice whose
    label in the site's language is ``stored``, named anew; ``stored`` itself when none is (a
    label reworded since the record was written)."""
    with translation.override(settings.LANGUAGE_CODE):
        values = {str(label): value for value, label in choices.choices}
    value = values.get(stored)
    return stored if value is None else str(choices(value).label)
