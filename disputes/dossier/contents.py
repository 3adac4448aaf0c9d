"""What a dossier says, gathered once for one reader: the PDF and the ZIP both read it."""

import base64
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import prefetch_related_objects

from disputes import permissions, selectors
from disputes.admin.selectors import conversation_messages
from disputes.appeal_selectors import existing_appeal
from disputes.line_ruling_pages import line_rulings_context
from disputes.models import Appeal, Dispute, Evidence, Proposal
from disputes.roles import Party
from messaging.models import Message
from orders.models import LineItem
from portal.accounts.models import User


@dataclass(frozen=True)
class EvidenceEntry:
    """One evidence file as the dossier lists it, and which bytes its ZIP carries."""

    number: int
    evidence: Evidence
    #: "original" (mediators) or "display" (parties: the cleaned copy; videos are served as received).
    copy: str
    thumbnail_uri: str

    @property
    def packed_field(self):
        """The stored file the ZIP carries for this reader, or ``None`` when there is none yet."""
        if self.copy == "original":
            return self.evidence.original
        return self.evidence.display or None


@dataclass(frozen=True)
class Dossier:
    dispute: Dispute
    reader: User
    reader_party: str
    generated_at: datetime
    order_lines: list[LineItem]
    proposals: list[Proposal]
    timeline: list[selectors.TimelineEntry]
    chat: list[Message]
    evidence: list[EvidenceEntry]
    facts: dict = field(default_factory=dict)
    #: A decision taken line by line: ``line_rulings``, ``lines_to_return``, ``line_rulings_total``.
    line_rulings: dict = field(default_factory=dict)
    appeal: Appeal | None = None

    @property
    def with_originals(self) -> bool:
        return self.reader_party == Party.MEDIATOR


def _thumbnail_uri(evidence: Evidence) -> str:
    """The photo's thumbnail as a data: URI, so the PDF renderer never fetches anything."""
    if evidence.kind != Evidence.Kind.PHOTO or not evidence.thumbnail:
        return ""
    with evidence.thumbnail.storage.open(evidence.thumbnail.name, "rb") as file:
        encoded = base64.b64encode(file.read()).decode("ascii")
    return f"data:image/jpeg;base64,{encoded}"


def _copy_for(evidence: Evidence, *, originals: bool) -> str:
    if originals or evidence.kind == Evidence.Kind.VIDEO:
        # Parties are served videos as received (EvidenceFileView): their copy is the original.
        return "original"
    return "display"


def dossier_for(*, dispute: Dispute, reader: User, now: datetime) -> Dossier:
    """The dossier of ``dispute`` for ``reader``, who reached it through the gatekeeper
    (``get_dispute_for_user``): the case, the negotiation, the timeline, the chat and the evidence."""
    dispute = selectors.dispute_for_page(dispute)
    # The store's owner and the mediators who decided, whom only the dossier names (the gatekeeper
    # leaves them out).
    prefetch_related_objects([dispute], "store__owner", "decided_by", "appeal__decided_by")
    party = permissions.viewer_party(dispute, reader)
    originals = permissions.can_view_originals(reader)
    _conversation, chat = conversation_messages(dispute.order)
    rulings = line_rulings_context(dispute)
    evidence = [
        EvidenceEntry(
            number=number,
            evidence=item,
            copy=_copy_for(item, originals=originals),
            thumbnail_uri=_thumbnail_uri(item),
        )
        for number, item in enumerate(dispute.evidence.all(), start=1)
    ]
    return Dossier(
        dispute=dispute,
        reader=reader,
        reader_party=party,
        generated_at=now,
        order_lines=list(dispute.order.items.order_by("id")),
        proposals=list(dispute.proposals.all()),
        timeline=selectors.timeline(dispute),
        chat=chat,
        evidence=evidence,
        facts={
            "outcome": rulings.get("outcome_sentence") or selectors.outcome_sentence(dispute),
            "next_step": selectors.next_step_sentence(dispute) if dispute.is_open else "",
        },
        line_rulings=rulings,
        appeal=existing_appeal(dispute),
    )
