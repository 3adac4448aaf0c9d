"""Who may take each of an order's transitions: one truth table for the state machine's rules."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission

from orders.models import Order

PERSONAS = ("buyer", "seller", "other_buyer", "mediator", "staff_non_mediator", "anonymous")

#: Transition name -> the personas who may take it (whatever the state; the state is the FSM's).
WHO_MAY = {
    "ship": {"seller"},
    "report_delivered": {"seller"},
    "mark_delivered": {"mediator"},
    "confirm_receipt": {"buyer"},
}


@pytest.fixture
def people(buyer, seller, other_buyer, mediator, staff_non_mediator):
    return {
        "buyer": buyer,
        "seller": seller,
        "other_buyer": other_buyer,
        "mediator": mediator,
        "staff_non_mediator": staff_non_mediator,
        "anonymous": AnonymousUser(),
    }


def transitions():
    return {t.name: t for t in Order._meta.get_field("state").get_all_transitions(Order)}


def test_every_transition_a_person_takes_is_in_the_table():
    by_people = {name for name, t in transitions().items() if not t.custom.get("automatic")}

    assert by_people == set(WHO_MAY)


@pytest.mark.parametrize("name", sorted(WHO_MAY))
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_take_a_transition(buyer, store, people, name, persona):
    order = Order(buyer=buyer, store=store)

    allowed = transitions()[name].has_perm(order, people[persona])

    assert allowed is (persona in WHO_MAY[name])


def test_a_staff_member_with_the_permission_but_not_a_mediator_records_no_delivery(
    buyer, store, staff_non_mediator
):
    staff_non_mediator.user_permissions.add(Permission.objects.get(codename="record_delivery"))

    assert not transitions()["mark_delivered"].has_perm(Order(buyer=buyer, store=store), staff_non_mediator)
