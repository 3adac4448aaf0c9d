"""Every number of order conversations (SPEC "Messaging"), as named settings with defaults.

A deployment overrides any of them in Django settings, prefixed with ``MESSAGING_``.
"""

from datetime import timedelta

from django.conf import settings


def _setting(name: str, default):
    return getattr(settings, f"MESSAGING_{name}", default)


#: Photos one message may carry (issue 4: "up to 5 photos per message").
MAX_PHOTOS_PER_MESSAGE: int = _setting("MAX_PHOTOS_PER_MESSAGE", 5)
#: The same limits as dispute evidence photos.
MAX_PHOTO_BYTES: int = _setting("MAX_PHOTO_BYTES", 10 * 1024 * 1024)
#: Photos above this many pixels are refused (decompression bombs, "pixel floods"); the same caps
#: as dispute evidence (see ``disputes.policy``): JPEGs decode reduced, PNG and WebP only whole.
MAX_IMAGE_PIXELS: int = _setting("MAX_IMAGE_PIXELS", 50_000_000)
MAX_PNG_WEBP_PIXELS: int = _setting("MAX_PNG_WEBP_PIXELS", 8_000_000)
#: Messages one user may send per window, across all conversations (issue 12): a person typing
#: never meets it, a script does.
MAX_MESSAGES_PER_WINDOW: int = _setting("MAX_MESSAGES_PER_WINDOW", 30)
MESSAGE_RATE_WINDOW: timedelta = _setting("MESSAGE_RATE_WINDOW", timedelta(minutes=10))
#: Longest message text, in characters.
MAX_BODY_LENGTH: int = _setting("MAX_BODY_LENGTH", 4000)
#: Parties only ever see re-encoded copies of a photo, at these sizes.
DISPLAY_IMAGE_MAX_SIDE: int = _setting("DISPLAY_IMAGE_MAX_SIDE", 1600)
THUMBNAIL_SIDE: int = _setting("THUMBNAIL_SIDE", 320)
#: Conversations per inbox page.
INBOX_PAGE_SIZE: int = _setting("INBOX_PAGE_SIZE", 20)
#: Characters of the latest message shown in the inbox.
PREVIEW_LENGTH: int = _setting("PREVIEW_LENGTH", 140)
#: The navigation bar's badge counts unread messages up to this many and shows "99+" beyond: a
#: seller of a large store can have thousands, and counting them all on every page grows with
#: the store's history (issue 17).
UNREAD_BADGE_CAP: int = _setting("UNREAD_BADGE_CAP", 99)
