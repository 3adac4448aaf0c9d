"""Every number of account security, as named settings with defaults.

A deployment overrides any of them in Django settings, prefixed with ``ACCOUNTS_``.
"""

from datetime import timedelta

from django.conf import settings


def _setting(name: str, default):
    return getattr(settings, f"ACCOUNTS_{name}", default)


#: Password-reset e-mails one address may be sent per window: enough for a lost mail and a
#: retry, too few to flood someone's inbox.
PASSWORD_RESETS_PER_ADDRESS: int = _setting("PASSWORD_RESETS_PER_ADDRESS", 3)
#: Password-reset requests one client address may make per window, whatever addresses they name
#: (an office behind one NAT still gets several people's resets through).
PASSWORD_RESETS_PER_CLIENT: int = _setting("PASSWORD_RESETS_PER_CLIENT", 10)
PASSWORD_RESET_WINDOW: timedelta = _setting("PASSWORD_RESET_WINDOW", timedelta(hours=1))

#: How long the link that confirms a new e-mail address works.
EMAIL_CHANGE_LINK_MAX_AGE: timedelta = _setting("EMAIL_CHANGE_LINK_MAX_AGE", timedelta(hours=48))
#: Confirmation links one user may have sent per window (each goes to an address they typed).
EMAIL_CHANGES_PER_USER: int = _setting("EMAIL_CHANGES_PER_USER", 5)
EMAIL_CHANGE_WINDOW: timedelta = _setting("EMAIL_CHANGE_WINDOW", timedelta(hours=1))
