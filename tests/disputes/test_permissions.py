"""Who may take each of a dispute's transitions: one truth table for the state machine's rules."""

import pytest
from django.contrib.auth.models import AnonymousUser

from disputes.models import Dispute, Party

PERSONAS = ("buyer", "seller", "other_buyer", "mediator", "anonymous")

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
def people(buyer, seller, other_buyer, mediator):
    return {
        "buyer": buyer,
        "seller": seller,
        "other_buyer": other_buyer,
        "mediator": mediator,
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
