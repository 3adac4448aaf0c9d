"""Reads about appeals: when a decision can be appealed, what a party's page shows of it, and
the mediators' appeal figures for the statistics page."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from disputes import policy
from disputes.models import Appeal, Dispute, DisputeEvent, Party
from portal import formatting
from portal.accounts.models import User


def mediator_decision_at(dispute: Dispute) -> datetime | None:
    """When a mediator decided the dispute (None if no mediator did)."""
    if dispute.decided_by_id is None:
        return None
    if "events" in getattr(dispute, "_prefetched_objects_cache", {}):
        # The dispute page's timeline, already loaded in (created_at, id) order.
        decided = [
            event.created_at for event in dispute.events.all() if event.type == DisputeEvent.Type.DECIDED
        ]
        return decided[-1] if decided else None
    return (
        DisputeEvent.objects.filter(dispute=dispute, type=DisputeEvent.Type.DECIDED)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )


def appeal_deadline(decided_at: datetime) -> datetime:
    return decided_at + policy.APPEAL_WINDOW


def existing_appeal(dispute: Dispute) -> Appeal | None:
    """The dispute's appeal, if any: the one the gatekeeper joined, else one query."""
    try:
        return dispute.appeal
    except Appeal.DoesNotExist:
        return None


def appeal_refusal(
    *, dispute: Dispute, party: str, decided_at: datetime | None, appealed: bool, now: datetime
) -> str:
    """Why ``party`` cannot appeal the dispute's decision at ``now``, or "" if they can."""
    if party not in (Party.BUYER, Party.SELLER):
        return _("Only the buyer or the seller of this order can appeal its decision.")
    if decided_at is None:
        return _("Only a mediator's decision can be appealed.")
    if appealed:
        return _("This decision was already appealed, and the appeal's decision is final.")
    if dispute.is_open:
        return _("The decision can be appealed once it has been carried out and the dispute is closed.")
    if now > appeal_deadline(decided_at):
        return _("The time to appeal this decision ended on %(date)s.") % {
            "date": formatting.moment(appeal_deadline(decided_at))
        }
    return ""


@dataclass(frozen=True)
class MediatorAppealRow:
    mediator: User
    decided: int
    appealed: int
    reversed: int

    @property
    def appealed_percent(self) -> float | None:
        return round(100 * self.appealed / self.decided, 1) if self.decided else None

    @property
    def reversed_percent(self) -> float | None:
        """Reversed on appeal, as a share of the mediator's decisions."""
        return round(100 * self.reversed / self.decided, 1) if self.decided else None


def appeal_statistics(
    *, since: datetime, decided: Mapping[int, int], people: Mapping[int, User] | None = None
) -> list[MediatorAppealRow]:
    """Per mediator, since ``since`` (the start of the statistics page's first week, never the
    whole history): their ``decided`` decisions (the weeks' tallies the mediators' table reads,
    ``team_statistics``), how many were appealed and how many an appeal changed (either way),
    busiest first. One query for the appeals, which are few; ``people`` are the mediators the
    page already loaded (any other is looked up)."""
    reversed_outcomes = [Appeal.Outcome.FOR_BUYER, Appeal.Outcome.FOR_SELLER]
    appeals = {
        row["first_mediator"]: row
        for row in Appeal.objects.filter(first_decided_at__gte=since)
        .values("first_mediator")
        .annotate(appealed=Count("id"), reversed=Count("id", filter=Q(outcome__in=reversed_outcomes)))
    }
    wanted = {pk for pk, n in decided.items() if n} | set(appeals)
    mediators = {pk: person for pk, person in (people or {}).items() if pk in wanted}
    if wanted - set(mediators):
        mediators.update(User.objects.in_bulk(wanted - set(mediators)))
    rows = [
        MediatorAppealRow(
            mediator=mediators[pk],
            decided=decided.get(pk, 0),
            appealed=appeals.get(pk, {}).get("appealed", 0),
            reversed=appeals.get(pk, {}).get("reversed", 0),
        )
        for pk in mediators
    ]
    return sorted(rows, key=lambda row: (-row.decided, row.mediator.pk))
