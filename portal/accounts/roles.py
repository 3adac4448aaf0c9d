"""Who is who across the site. One predicate per role, used by views, admin, templates and tests
alike; whether someone sells is an orders question (:func:`orders.permissions.is_seller`)."""

from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db.models import CharField, Value

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
    if not hasattr(user, "_is_mediator"):
        load_groups_and_permissions(user)
    return user._is_mediator


def load_groups_and_permissions(user: User) -> None:
    """Keep on ``user``, for the request, whether they are in the Mediators group
    (``_is_mediator``) and what they may do, their own and their groups' permissions as
    ``"app_label.codename"`` (``_perm_cache``, which ``PortalBackend`` answers from): one query,
    as every console page asks both."""
    as_member = (
        Group.objects.filter(user=user)
        .order_by()
        .values_list("name", "permissions__content_type__app_label", "permissions__codename")
    )
    own = (
        Permission.objects.filter(user=user)
        .order_by()
        .values_list(Value("", output_field=CharField()), "content_type__app_label", "codename")
    )
    rows = list(as_member.union(own, all=True))
    user._is_mediator = any(group == MEDIATORS_GROUP for group, _app, _codename in rows)
    user._perm_cache = {f"{app}.{codename}" for _group, app, codename in rows if codename}


def mediator_may(user: User | AnonymousUser, permission: str) -> bool:
    """A mediator (:func:`is_mediator`) who holds ``permission``: the gate of every mediator action,
    so a staff user with the permission but outside the Mediators group never passes it."""
    return is_mediator(user) and user.has_perm(permission)
