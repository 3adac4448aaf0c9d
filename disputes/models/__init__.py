"""Disputes: the negotiation state machine with exactly one deadline per open dispute, the
proposals that form its history, its evidence, its append-only timeline, and buyer standing."""

from disputes.models.appeal import Appeal, AppealClawback, AppealEvent
from disputes.models.dispute import CLOSED_STATE_VALUES, ENFORCED_STATE_VALUES, OPEN_STATE_VALUES, Dispute
from disputes.models.event import DisputeEvent
from disputes.models.evidence import Evidence, derivative_path, evidence_path
from disputes.models.line_ruling import LineRuling
from disputes.models.proposal import DisputedItem, Proposal
from disputes.models.standing import BuyerStanding, BuyerStandingChange, BuyerStandingQuerySet
from disputes.roles import Party

__all__ = [
    "CLOSED_STATE_VALUES",
    "ENFORCED_STATE_VALUES",
    "OPEN_STATE_VALUES",
    "Appeal",
    "AppealClawback",
    "AppealEvent",
    "BuyerStanding",
    "BuyerStandingChange",
    "BuyerStandingQuerySet",
    "Dispute",
    "DisputeEvent",
    "DisputedItem",
    "Evidence",
    "LineRuling",
    "Party",
    "Proposal",
    "derivative_path",
    "evidence_path",
]
