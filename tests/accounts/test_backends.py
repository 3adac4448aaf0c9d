"""The authentication backend: Django's answers (who is signed in, what they may do), fewer queries."""

import pytest
from django.contrib.auth import get_user
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory

from portal.accounts.backends import PortalBackend
from portal.accounts.roles import MEDIATORS_GROUP, is_mediator
from tests.factories import UserFactory, mediator_user

pytestmark = pytest.mark.django_db

DECIDE = "disputes.decide_dispute"
BLACKLIST = "disputes.blacklist_buyer"


def permission(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def signed_in(client, user):
    """The user as the next request sees it (through the session and the backend)."""
    client.force_login(user)
    request = RequestFactory().get("/")
    request.session = client.session
    return get_user(request)


def test_a_signed_in_buyer_is_loaded_in_one_query_and_is_no_mediator_without_another(
    client, django_assert_num_queries
):
    buyer = UserFactory()
    client.force_login(buyer)
    request = RequestFactory().get("/")
    request.session = client.session

    with django_assert_num_queries(2):  # the session, then the user
        user = get_user(request)
        assert not is_mediator(user)

    assert user == buyer


def test_a_signed_in_mediators_role_and_permissions_come_in_one_query(
    client, mediator, django_assert_num_queries
):
    client.force_login(mediator)
    request = RequestFactory().get("/")
    request.session = client.session
    user = get_user(request)

    with django_assert_num_queries(1):  # the Mediators group and every permission together
        assert is_mediator(user)
        assert user.has_perm(DECIDE) and user.has_perm(BLACKLIST)
        assert not user.has_perm("auth.delete_user")

    assert user == mediator


def test_a_user_added_to_the_mediators_group_is_a_mediator_from_the_next_request(client, db):
    user = UserFactory(is_staff=True)
    assert not is_mediator(signed_in(client, user))

    user.groups.add(Group.objects.get(name=MEDIATORS_GROUP))

    assert is_mediator(signed_in(client, user))


def test_a_user_removed_from_the_mediators_group_is_no_mediator_from_the_next_request(client, mediator):
    assert is_mediator(signed_in(client, mediator))

    mediator.groups.clear()

    assert not is_mediator(signed_in(client, mediator))


def test_the_mediator_role_still_needs_active_staff(client, db):
    group = Group.objects.get(name=MEDIATORS_GROUP)
    not_staff = UserFactory(is_staff=False)
    not_staff.groups.add(group)

    assert not is_mediator(signed_in(client, not_staff))


def test_an_inactive_user_is_not_loaded_and_has_no_permissions(client, db):
    user = mediator_user(is_active=False)

    assert PortalBackend().get_user(user.pk) is None
    assert PortalBackend().get_all_permissions(user) == set()
    assert not signed_in(client, user).is_authenticated


def test_a_missing_user_is_not_loaded(db):
    assert PortalBackend().get_user(10**9) is None


def test_permissions_come_from_the_groups_and_the_user_in_one_query(django_assert_num_queries, db):
    user = mediator_user()
    user.groups.remove(Group.objects.get(name=MEDIATORS_GROUP))
    group = Group.objects.create(name="Deciders")
    group.permissions.add(permission(DECIDE))
    user.groups.add(group)
    user.user_permissions.add(permission(BLACKLIST))

    with django_assert_num_queries(1):
        granted = PortalBackend().get_all_permissions(user)
        assert user.has_perm(DECIDE) and user.has_perm(BLACKLIST)

    assert granted == {DECIDE, BLACKLIST}


def test_permissions_are_the_same_as_djangos(db):
    user = mediator_user()
    user.user_permissions.add(permission(BLACKLIST))

    assert PortalBackend().get_all_permissions(user) == ModelBackend().get_all_permissions(user)
    assert DECIDE in PortalBackend().get_all_permissions(user)


def test_a_user_without_groups_or_permissions_may_do_nothing(db):
    user = UserFactory()

    assert PortalBackend().get_all_permissions(user) == set()
    assert not user.has_perm(DECIDE)


def test_a_superuser_keeps_every_permission(superuser):
    assert PortalBackend().get_all_permissions(superuser) == ModelBackend().get_all_permissions(superuser)
    assert superuser.has_perm(DECIDE) and superuser.has_perm("auth.delete_group")


def test_no_object_permissions(mediator, store):
    assert PortalBackend().get_all_permissions(mediator, obj=store) == set()
