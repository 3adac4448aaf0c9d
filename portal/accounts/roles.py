"""Who is who across the site. One predicate per role, used by views, admin, templates and tests
alike; whether someone sells is an orders question (:func:`orders.permissions.is_seller`)."""

from django.contrib.auth.models import AnonymousUser

from portal.accounts.models import User

MEDIATORS_GROUP = "Mediators"


def is_mediator(user: User | AnonymousUser) -> bool:
    """A mediator is active staff in the Mediators group; superusers count as mediators."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    if not user.is_staff:
        return False
    cached = getattr(user, "_is_mediator", None)
    if cached is None:
        cached = user.groups.filter(name=MEDIATORS_GROUP).exists()
        user._is_mediator = cached
    return cached


def mediator_may(user: User | AnonymousUser, permission: str) -> bool:
    """A mediator (:func:`is_mediator`) who holds ``permission``: the gate of every mediator action,
    so a staff user with the permission but outside the Mediators group never passes it."""
    return is_mediator(user) and user.has_perm(permission)
