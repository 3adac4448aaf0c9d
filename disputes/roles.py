"""Who is who in a dispute: its parties, one predicate per role, and the mediators' permissions.

The state machine's ``permission=``, ``disputes.permissions``, the services and the admin all ask
these, so each rule has one definition and each permission name one spelling. They read only
``buyer_id``, ``store.owner_id`` and ``evidence_requested_from`` and import none of the app's
models, so the models can use them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from messaging.roles import MEDIATE_PERMISSION
from portal.accounts.models import User
from portal.accounts.roles import mediator_may

#: The mediators' permissions, declared in ``Dispute.Meta.permissions`` and given to the Mediators
#: group by migration ``disputes/0003``. Taking a case and working the queue is named in
#: :mod:`messaging.roles`, the lowest layer that asks for it.
MEDIATE = MEDIATE_PERMISSION
REQUEST_EVIDENCE = "disputes.request_evidence"
DECIDE = "disputes.decide_dispute"
BLACKLIST = "disputes.blacklist_buyer"
VIEW_STANDING = "disputes.view_buyerstanding"


class Party(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    SELLER = "seller", _("Seller")
    MEDIATOR = "mediator", _("Mediator")


def is_dispute_buyer(dispute, user: User) -> bool:
    return user.is_authenticated and dispute.buyer_id == user.pk


def is_dispute_seller(dispute, user: User) -> bool:
    return user.is_authenticated and dispute.store.owner_id == user.pk


def is_dispute_party(dispute, user: User) -> bool:
    """The buyer or the seller: the two who negotiate."""
    return is_dispute_buyer(dispute, user) or is_dispute_seller(dispute, user)


def party_of(dispute, user: User) -> str:
    """Which side ``user`` is on: ``Party.BUYER``, ``Party.SELLER``, or ``""`` for neither. The
    sides are the order's (a dispute's buyer and store are its order's), as in
    :func:`messaging.roles.party_of`."""
    if is_dispute_buyer(dispute, user):
        return Party.BUYER
    if is_dispute_seller(dispute, user):
        return Party.SELLER
    return ""


def is_asked_for_evidence(dispute, user: User) -> bool:
    """The party a mediator asked for evidence, while the request stands."""
    if dispute.evidence_requested_from == Party.BUYER:
        return is_dispute_buyer(dispute, user)
    if dispute.evidence_requested_from == Party.SELLER:
        return is_dispute_seller(dispute, user)
    return False


def can_mediate(user: User) -> bool:
    """A mediator who may take cases and work the queue."""
    return mediator_may(user, MEDIATE)


def can_request_evidence(user: User) -> bool:
    return mediator_may(user, REQUEST_EVIDENCE)


def can_decide(user: User) -> bool:
    return mediator_may(user, DECIDE)


def can_blacklist(user: User) -> bool:
    return mediator_may(user, BLACKLIST)


def is_evidence_requester(dispute, user: User) -> bool:
    """:func:`can_request_evidence` as a transition's ``permission=``: the same on every dispute."""
    return can_request_evidence(user)


def is_decider(dispute, user: User) -> bool:
    """:func:`can_decide` as a transition's ``permission=``: the same on every dispute."""
    return can_decide(user)
