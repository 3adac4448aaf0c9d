"""The only gate to disputes and their evidence: "not yours" is a 404, like "does not exist"."""

from django.http import Http404

from disputes.models import Dispute, Evidence
from disputes.roles import Party, is_dispute_buyer, is_dispute_party, is_dispute_seller
from portal.accounts.models import User
from portal.accounts.roles import is_mediator


def can_view_dispute(dispute: Dispute, user: User) -> bool:
    """The buyer, the order's seller and mediators; nobody else."""
    return is_dispute_party(dispute, user) or is_mediator(user)


def get_dispute_for_user(user: User, pk: int) -> Dispute:
    """The dispute if ``user`` may see it; 404 otherwise."""
    # Joined here once for every dispute page and action: the page prefetches onto this instance.
    dispute = (
        Dispute.objects.select_related(
            "order", "order__shipment", "store", "store__owner", "buyer", "decided_by"
        )
        .filter(pk=pk)
        .first()
    )
    if dispute is None or not can_view_dispute(dispute, user):
        raise Http404("No such dispute.")
    return dispute


def get_evidence_for_user(user: User, public_id) -> Evidence:
    """Evidence only ever reaches the dispute's buyer, its seller and mediators; 404 otherwise."""
    evidence = Evidence.objects.select_related("dispute__store").filter(public_id=public_id).first()
    if evidence is None or not can_view_dispute(evidence.dispute, user):
        raise Http404("No such file.")
    return evidence


def can_view_originals(user: User) -> bool:
    """Originals (with their metadata) are for mediators; parties see the cleaned copy."""
    return is_mediator(user)


def viewer_party(dispute: Dispute, user: User) -> str:
    if is_dispute_buyer(dispute, user):
        return Party.BUYER
    if is_dispute_seller(dispute, user):
        return Party.SELLER
    if is_mediator(user):
        return Party.MEDIATOR
    return ""


def can_add_evidence(dispute: Dispute, user: User) -> bool:
    """Either party may add evidence while the dispute is open."""
    return dispute.is_open and viewer_party(dispute, user) in (Party.BUYER, Party.SELLER)


def can_extend_deadline(dispute: Dispute, user: User) -> bool:
    """The party a deadline protects may give the other party more time, once per deadline."""
    return (
        dispute.is_open
        and not dispute.deadline_extended
        and dispute.deadline_protects in (Party.BUYER, Party.SELLER)
        and dispute.deadline_protects == viewer_party(dispute, user)
    )


def available_dispute_actions(dispute: Dispute, user: User) -> set[str]:
    """Names of the transitions ``user`` may take on ``dispute`` now (never the clock's)."""
    # Skip the clock's and the mediator's transitions before asking about permissions: a string
    # permission (the mediator's) would load the user's permissions from the database.
    return {
        transition.name
        for transition in dispute.get_available_state_transitions()
        if not transition.custom.get("automatic")
        and transition.custom.get("party") != Party.MEDIATOR
        and transition.has_perm(dispute, user)
    }
