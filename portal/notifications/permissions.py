"""The only gate to notifications: each belongs to its recipient alone."""

from django.http import Http404

from portal.accounts.models import User
from portal.notifications.models import Notification


def get_notification_for_user(user: User, pk: int) -> Notification:
    """``user``'s own notification ``pk``; 404 for anyone else's, exactly as for a missing one."""
    notification = Notification.objects.filter(pk=pk, recipient_id=user.pk).first()
    if notification is None:
        raise Http404("No such notification.")
    return notification
