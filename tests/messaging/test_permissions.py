import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from messaging import permissions
from messaging.models import Conversation


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "undisputed", "disputed"),
    [
        ("buyer", True, True),
        ("seller", True, True),
        ("mediator", False, True),
        ("staff_non_mediator", False, False),
        ("other_buyer", False, False),
        ("other_seller", False, False),
    ],
)
def test_who_may_read_a_conversation(order, who, undisputed, disputed, request):
    user = request.getfixturevalue(who)
    assert permissions.can_read_conversation(order, user) is undisputed

    request.getfixturevalue("disputed_order")
    assert permissions.can_read_conversation(order, user) is disputed


@pytest.mark.django_db
def test_an_anonymous_visitor_reads_nothing(order):
    assert permissions.can_read_conversation(order, AnonymousUser()) is False


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["buyer", "seller"])
def test_the_parties_get_an_unsaved_conversation_before_the_first_message(order, who, request):
    conversation = permissions.get_conversation_for_user(request.getfixturevalue(who), order.number)

    assert conversation.pk is None and conversation.order == order
    assert not Conversation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["buyer", "seller"])
def test_the_parties_get_the_existing_conversation(order, buyer, who, request, send):
    message = send(order, buyer, "Hi")

    conversation = permissions.get_conversation_for_user(request.getfixturevalue(who), order.number)

    assert conversation == message.conversation


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["mediator", "other_buyer", "other_seller"])
def test_anyone_else_gets_a_404_even_a_mediator_on_a_disputed_order(disputed_order, who, request):
    with pytest.raises(Http404):
        permissions.get_conversation_for_user(request.getfixturevalue(who), disputed_order.number)
