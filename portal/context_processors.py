"""Facts every page's navigation bar needs, computed once per request."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from portal.accounts.roles import is_mediator
from portal.notifications.selectors import unread_count


def navigation(request: HttpRequest) -> dict:
    """The navigation bar's facts, each computed (once) only if the page's template shows it:
    the admin's pages, for one, never show the portal's bar and so never pay for its counts."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_is_mediator": SimpleLazyObject(lambda: is_mediator(user)),
        "nav_unread_notifications": SimpleLazyObject(lambda: unread_count(user)),
    }
