"""What every page's navigation bar needs to know from orders, computed once per request."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from orders.selectors import navigation_roles


def navigation(request: HttpRequest) -> dict:
    """Whether the user sells and whether they buy (one menu per role: a seller who never bought
    sees only the seller's links), asked in one query, and only if the page shows the bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = SimpleLazyObject(lambda: navigation_roles(user))
    return {
        "nav_is_seller": SimpleLazyObject(lambda: roles[0]),
        "nav_is_buyer": SimpleLazyObject(lambda: roles[1]),
    }
