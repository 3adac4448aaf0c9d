import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils.translation import gettext_lazy as _

from portal.choices import ChoiceLabels
from portal.indexing import PrefixPattern

TIME_ZONE_CHOICES = [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class User(ChoiceLabels, AbstractUser):
    """A person using the portal: a buyer by default, a seller when they own a store,
    a mediator when they are staff in the Mediators group."""

    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    email_non_essential = models.BooleanField(
        _("e-mail me about non-essential updates"),
        default=True,
        help_text=_("Deadline notices are always e-mailed, whatever this setting says."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            # Password resets find an account by its address without regard to case, so two
            # accounts must never share one. Accounts made without an address stay allowed.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_unique_ignoring_case",
                violation_error_message=_("Another account already uses this e-mail address."),
            ),
        ]
        indexes = [
            # The admin finds people by the start of their username or e-mail address in any case
            # (``istartswith``: ``UPPER(x) LIKE 'TERM%'``), at any number of accounts.
            models.Index(PrefixPattern(Upper("username")), name="user_username_prefix_idx"),
            models.Index(PrefixPattern(Upper("email")), name="user_email_prefix_idx"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class RateCounter(models.Model):
    """How often one thing was done in one fixed window of time, by one key (a user, an e-mail
    address, a client address). Written only by ``portal.ratelimit``; expired rows are purged."""

    scope = models.CharField(max_length=40)
    #: SHA-256 of the key: no e-mail or client address is kept here.
    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key", "window_start"], name="ratecounter_one_per_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key[:8]}… {self.count} from {self.window_start:%Y-%m-%d %H:%M}"
