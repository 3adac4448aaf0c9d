"""Who is who in a dispute: its parties, and one predicate per role.

The state machine's ``permission=`` and ``disputes.permissions`` both ask these, so each rule has
one definition. They read only ``buyer_id``, ``store.owner_id`` and ``evidence_requested_from``
and import none of the app's models, so the models can use them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import User


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


def is_asked_for_evidence(dispute, user: User) -> bool:
    """The party a mediator asked for evidence, while the request stands."""
    if dispute.evidence_requested_from == Party.BUYER:
        return is_dispute_buyer(dispute, user)
    if dispute.evidence_requested_from == Party.SELLER:
        return is_dispute_seller(dispute, user)
    return False
