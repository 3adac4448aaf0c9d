"""Signing in and permissions with Django's rules, in fewer queries per request."""

from django.contrib.auth.backends import ModelBackend

from portal.accounts.roles import load_groups_and_permissions


class PortalBackend(ModelBackend):
    """Django's ``ModelBackend``, answering what every admin page asks, what the signed-in user
    may do (their own and their groups' permissions together), in one query instead of three:
    the query that also says whether they are a mediator (``roles.load_groups_and_permissions``).

    Who is signed in is Django's own query. Whether they are a mediator is asked only for staff
    (``roles.is_mediator``; nobody else can be one): annotating it onto that query for every
    request cost every buyer's and seller's page 1.7 ms of building and planning a subquery at 1M
    orders (2.7 ms against 1.0 ms), and staff ask it with their permissions, in no extra query.
    """

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        """The user's own permissions and their groups', as ``"app_label.codename"``.

        Superusers keep Django's answer (every permission).
        """
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            load_groups_and_permissions(user_obj)
        return user_obj._perm_cache
