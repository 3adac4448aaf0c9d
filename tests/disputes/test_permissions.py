"""Who may take each of a dispute's transitions: one truth table for the state machine's rules."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission

from disputes import roles as disputes_roles
from disputes.models import Dispute, Party
from disputes.roles import BLACKLIST, DECIDE, MEDIATE, REQUEST_EVIDENCE
from messaging import roles as messaging_roles
from orders import roles as orders_roles
from portal.accounts.models import User
from portal.accounts.roles import MEDIATORS_GROUP
from tests.factories import UserFactory

PERSONAS = ("buyer", "seller", "other_buyer", "mediator", "staff_with_the_permissions", "anonymous")

#: Transition name -> the personas who may take it (whatever the state; the state is the FSM's).
WHO_MAY = {
    "accept_request": {"seller"},
    "counter_offer": {"seller"},
    "reject_request": {"seller"},
    "accept_offer": {"buyer"},
    "modify_request": {"buyer"},
    "escalate": {"buyer", "seller"},
    "withdraw": {"buyer"},
    "ship_return": {"buyer"},
    "confirm_return_received": {"seller"},
    "report_return_problem": {"seller"},
    "request_evidence": {"mediator"},
    "decide": {"mediator"},
}


@pytest.fixture
def staff_with_the_permissions(db):
    """Staff given every mediator permission by hand, outside the Mediators group: not a mediator
    (disputes.roles asks portal.accounts.roles.mediator_may, as the services and admin do)."""
    user = UserFactory(username="pat_permissions", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="disputes",
            codename__in=[name.split(".")[1] for name in (MEDIATE, REQUEST_EVIDENCE, DECIDE, BLACKLIST)],
        )
    )
    return User.objects.get(pk=user.pk)  # fresh: permissions are cached on the instance


@pytest.fixture
def people(buyer, seller, other_buyer, mediator, staff_with_the_permissions):
    return {
        "buyer": buyer,
        "seller": seller,
        "other_buyer": other_buyer,
        "mediator": mediator,
        "staff_with_the_permissions": staff_with_the_permissions,
        "anonymous": AnonymousUser(),
    }


@pytest.fixture
def dispute(buyer, store):
    return Dispute(buyer=buyer, store=store)


def transitions():
    return {t.name: t for t in Dispute._meta.get_field("state").get_all_transitions(Dispute)}


def test_every_transition_a_person_takes_is_in_the_table():
    by_people = {name for name, t in transitions().items() if not t.custom.get("automatic")}

    assert by_people == set(WHO_MAY) | {"provide_evidence"}


@pytest.mark.parametrize("name", sorted(WHO_MAY))
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_take_a_transition(dispute, people, name, persona):
    allowed = transitions()[name].has_perm(dispute, people[persona])

    assert allowed is (persona in WHO_MAY[name])


@pytest.mark.parametrize(
    ("requested_from", "who_may"), [(Party.BUYER, {"buyer"}), (Party.SELLER, {"seller"}), ("", set())]
)
@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_party_asked_sends_the_requested_evidence(dispute, people, requested_from, who_may, persona):
    dispute.evidence_requested_from = requested_from

    allowed = transitions()["provide_evidence"].has_perm(dispute, people[persona])

    assert allowed is (persona in who_may)


MEDIATOR_GATES = {
    "take cases": disputes_roles.can_mediate,
    "request evidence": disputes_roles.can_request_evidence,
    "decide": disputes_roles.can_decide,
    "blacklist": disputes_roles.can_blacklist,
    "post into a conversation": messaging_roles.can_post_as_mediator,
}


@pytest.mark.django_db
@pytest.mark.parametrize("gate", sorted(MEDIATOR_GATES))
@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("mediator", True),
        ("superuser", True),
        ("staff_with_the_permissions", False),
        ("staff_non_mediator", False),
        ("buyer", False),
    ],
)
def test_every_mediator_gate_asks_for_a_mediator_with_the_permission(gate, persona, allowed, request):
    user = request.getfixturevalue(persona)

    assert MEDIATOR_GATES[gate](user) is allowed


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        MEDIATE,
        REQUEST_EVIDENCE,
        DECIDE,
        BLACKLIST,
        disputes_roles.VIEW_STANDING,
        orders_roles.RECORD_DELIVERY,
    ],
)
def test_every_permission_the_roles_name_exists_and_the_mediators_hold_it(name):
    app_label, codename = name.split(".")

    assert (
        Group.objects.get(name=MEDIATORS_GROUP)
        .permissions.filter(content_type__app_label=app_label, codename=codename)
        .exists()
    )


@pytest.mark.parametrize(("persona", "party"), [("buyer", Party.BUYER), ("seller", Party.SELLER)])
def test_a_disputes_sides_are_its_orders_sides(order, people, persona, party):
    dispute = Dispute(order=order, buyer=order.buyer, store=order.store)

    assert disputes_roles.party_of(dispute, people[persona]) == party
    assert messaging_roles.party_of(order, people[persona]) == party


@pytest.mark.parametrize("persona", ["other_buyer", "mediator", "anonymous"])
def test_nobody_else_is_a_side(order, people, persona):
    dispute = Dispute(order=order, buyer=order.buyer, store=order.store)

    assert disputes_roles.party_of(dispute, people[persona]) == ""
    assert messaging_roles.party_of(order, people[persona]) is None
