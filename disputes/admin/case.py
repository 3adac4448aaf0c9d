"""The case page of the mediation console: everything it shows about a dispute, read up front so
the template runs no queries, and the actions the signed-in mediator may take, with their forms."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.forms import Form
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes import selectors as dispute_selectors
from disputes import services
from disputes.admin import forms
from disputes.admin import selectors as admin_selectors
from disputes.admin.line_rulings import line_ruling_form
from disputes.models import Dispute
from disputes.roles import BLACKLIST, DECIDE, MEDIATE, REQUEST_EVIDENCE
from messaging.models import Conversation
from orders.selectors import return_policy_summary
from portal.accounts.models import User

#: What each decision does, in the words the case page puts under its button.
DECISION_HELP = {
    services.Decision.FULL_REFUND: gettext_lazy("Refund %(max)s now; the buyer keeps the item."),
    services.Decision.PARTIAL_REFUND: gettext_lazy(
        "Refund the amount you enter (at most %(max)s) now; the buyer keeps the item."
    ),
    services.Decision.REFUND_AFTER_RETURN: gettext_lazy(
        "The buyer ships the item back to the store's return address; %(max)s is refunded when the "
        "seller confirms it arrived (or anyway, if the seller never confirms)."
    ),
    services.Decision.REJECT: gettext_lazy("Close the dispute in the seller's favour: no refund."),
}


@dataclass(frozen=True)
class CaseActions:
    """What the mediator may do on the case now, each with its form: the one a post came back
    with (bound, showing its errors) or a fresh one. ``None`` or empty: not theirs to do."""

    can_assign: bool
    decisions: list[dict]
    evidence_form: Form | None
    note_form: Form | None
    can_blacklist: bool


def case_context(*, user: User, dispute: Dispute, bound: dict[str, Form], now: datetime) -> dict:
    """Everything the case page shows of a case ``case_for_mediator`` loaded: the template runs
    no queries. ``bound`` holds the form, by action name, that a post came back with."""
    order = dispute.order
    conversation, chat = admin_selectors.conversation_messages(order)
    ceiling = admin_selectors.max_refund_now(dispute) if dispute.in_mediation else None
    histories = admin_selectors.case_histories(dispute)
    actions = case_actions(user=user, dispute=dispute, bound=bound, ceiling=ceiling, now=now)
    return {
        "title": f"{dispute.reference} · {order.number}",
        "subtitle": dispute.get_state_display(),
        "case": dispute,
        "order": order,
        "shipment": getattr(order, "shipment", None),
        "standing": getattr(dispute.buyer, "standing", None),
        "order_lines": [(item, item.disputed_quantity) for item in order.items.all()],
        "next_step": dispute_selectors.next_step_sentence(dispute),
        # The terms the order was bought under, not the store's policy of today.
        "return_policy": return_policy_summary(order),
        "is_overdue": dispute.deadline_at is not None and dispute.deadline_at < now,
        "timeline": case_timeline(dispute),
        "evidence_by_party": admin_selectors.evidence_by_party(dispute),
        "conversation": conversation,
        "chat": chat,
        "conversation_url": _conversation_url(conversation),
        "buyer_history": histories.buyer,
        "store_history": histories.store,
        "store_orders": histories.store_orders,
        "store_dispute_rate": histories.store_dispute_rate,
        "max_refund_now": ceiling,
        "return_address": dispute.return_address or dispute.store.return_address,
        "can_assign": actions.can_assign,
        "evidence_form": actions.evidence_form,
        "decisions": actions.decisions,
        "note_form": actions.note_form,
        "can_blacklist": actions.can_blacklist,
        "site_url_for_case": reverse("disputes:detail", args=[dispute.pk]),
        # Loaded with the case (``case_for_mediator``); a dispute without one has none.
        "appeal": getattr(dispute, "appeal", None),
        "line_ruling_form": line_ruling_form(
            dispute=dispute, bound=bound, can_decide=bool(actions.decisions)
        ),
    }


def case_actions(
    *, user: User, dispute: Dispute, bound: dict[str, Form], ceiling: Decimal | None, now: datetime
) -> CaseActions:
    """The mediator's actions on the case: those its state allows and their permissions grant."""
    transitions = {t.name for t in dispute.get_available_user_state_transitions(user)}
    may_mediate = user.has_perm(MEDIATE)
    decisions = []
    if "decide" in transitions and user.has_perm(DECIDE):
        decisions = _decisions(bound.get("decide"), most=f"{ceiling} {dispute.currency}")
    evidence_form = None
    if "request_evidence" in transitions and user.has_perm(REQUEST_EVIDENCE):
        evidence_form = _posted_or_new(
            bound, "request_evidence", lambda: forms.RequestEvidenceForm(now=now, auto_id="id_evidence_%s")
        )
    note_form = None
    if may_mediate:
        note_form = _posted_or_new(bound, "note", lambda: forms.MediatorNoteForm(auto_id="id_note_%s"))
    return CaseActions(
        can_assign=dispute.in_mediation and may_mediate and dispute.assigned_mediator_id != user.pk,
        decisions=decisions,
        evidence_form=evidence_form,
        note_form=note_form,
        can_blacklist=user.has_perm(BLACKLIST),
    )


def _posted_or_new(bound: dict[str, Form], name: str, new: Callable[[], Form]) -> Form:
    """The form a post to the ``name`` action came back with, or a fresh one."""
    return bound.get(name) or new()


def _decisions(posted: Form | None, *, most: str) -> list[dict]:
    """One panel per decision, each with its own form; the one posted back with errors is open."""
    panels = []
    for value, label in services.Decision.choices:
        form = (
            posted
            if posted is not None and posted.data.get("decision") == value
            else forms.DecideForm(initial={"decision": value}, auto_id=f"id_{value}_%s")
        )
        panels.append(
            {
                "value": value,
                "label": label,
                "help": DECISION_HELP[value] % {"max": most},
                "form": form,
                "needs_amount": value == services.Decision.PARTIAL_REFUND,
                "open": form.is_bound,
            }
        )
    return panels


def case_timeline(dispute: Dispute) -> list[tuple]:
    """The case's timeline entries, each with the names of the states it went from and to."""
    return [
        (entry, state_label(entry.event.from_state), state_label(entry.event.to_state))
        for entry in dispute_selectors.timeline(dispute)
    ]


def state_label(state: str) -> str:
    if state in Dispute.State.values:
        return Dispute.State(state).label
    return _("new") if state == "new" else state


def _conversation_url(conversation: Conversation | None) -> str:
    return reverse("admin:messaging_conversation_change", args=[conversation.pk]) if conversation else ""
