"""Facts every page's navigation bar needs, computed once per request."""

from django.http import HttpRequest

from portal.accounts.roles import is_mediator, is_seller


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from portal.messaging.selectors import unread_total
    from portal.notifications.models import Notification

    return {
        "nav_is_seller": is_seller(user),
        "nav_is_mediator": is_mediator(user),
        "nav_unread_notifications": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
        "nav_unread_messages": unread_total(user),
    }
