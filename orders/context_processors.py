"""What every page's navigation bar needs to know from orders, computed once per request."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from orders.permissions import is_seller


def navigation(request: HttpRequest) -> dict:
    """Whether the user sells (the bar's seller links), asked (once) only if the page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_is_seller": SimpleLazyObject(lambda: is_seller(user))}
