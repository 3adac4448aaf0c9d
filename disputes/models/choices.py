"""The dispute's choices: its states, the buyer's reasons, what each deadline does, the outcome.

Kept apart from the model so that it stays short; :class:`disputes.models.Dispute` names them
as ``Dispute.State``, ``Dispute.Reason``, ``Dispute.DeadlineKind`` and ``Dispute.Outcome``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    AWAITING_SELLER = "awaiting_seller", _("Awaiting the seller's response")
    AWAITING_BUYER = "awaiting_buyer", _("Awaiting the buyer's response")
    AWAITING_RETURN = "awaiting_return", _("Awaiting return shipment")
    RETURN_IN_TRANSIT = "return_in_transit", _("Return in transit")
    IN_MEDIATION = "in_mediation", _("In mediation")
    EVIDENCE_REQUESTED = "evidence_requested", _("In mediation: evidence requested")
    RESOLVED_BUYER = "resolved_buyer", _("Resolved for the buyer")
    RESOLVED_SELLER = "resolved_seller", _("Resolved for the seller")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Reason(models.TextChoices):
    NOT_RECEIVED = "not_received", _("I did not receive the item")
    EMPTY_PACKAGE = "empty_package", _("The package was empty")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    DAMAGED = "damaged", _("Arrived damaged")
    DOES_NOT_WORK = "does_not_work", _("Does not work")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    WRONG_SIZE_COLOUR = "wrong_size_colour", _("Wrong size or colour")
    MISSING_PARTS = "missing_parts", _("Parts are missing")
    CHANGED_MIND = "changed_mind", _("I changed my mind")


class DeadlineKind(models.TextChoices):
    GRANT_REQUEST = "grant_request", _("the buyer's request is accepted as asked")
    WITHDRAW = "withdraw", _("the dispute closes as withdrawn")
    RESOLVE_FOR_SELLER = (
        "resolve_for_seller",
        _("the dispute closes in the seller's favour, with no refund"),
    )
    REFUND_ANYWAY = "refund_anyway", _("the refund is paid anyway")
    BACK_TO_MEDIATOR = "back_to_mediator", _("the mediator decides on the evidence there is")
    MEDIATION_TARGET = "mediation_target", _("the mediator's decision is overdue")


class Outcome(models.TextChoices):
    FULL_REFUND = "full_refund", _("Full refund")
    PARTIAL_REFUND = "partial_refund", _("Partial refund")
    NO_REFUND = "no_refund", _("No refund")
    WITHDRAWN = "withdrawn", _("Withdrawn by the buyer")
