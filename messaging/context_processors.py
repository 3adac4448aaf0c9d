"""What every page's navigation bar shows about messages, computed once per request."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from messaging.selectors import unread_badge


def navigation(request: HttpRequest) -> dict:
    """The unread messages badge ("3", "99+", or "" for none), counted (once) only if the page's
    template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_unread_messages": SimpleLazyObject(lambda: unread_badge(user))}
