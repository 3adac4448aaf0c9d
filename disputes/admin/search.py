"""The mediation queue's search: the dispute number as shown ("D-2", "d2" or "2"), the order
number (exact or prefix), the buyer or the seller (username or e-mail prefix) or the store (name
prefix). Each kind of match is an indexed query of its own (``orders.admin_search``)."""

import re

from django.db.models import QuerySet

from disputes.models import Dispute
from orders.admin_search import keep_matching, order_number_prefix, people_matching, stores_matching
from orders.models import Order

REFERENCE = re.compile(r"^(?:D-?)?(\d{1,18})$", re.IGNORECASE)


def search_disputes(queryset: QuerySet[Dispute], term: str) -> QuerySet[Dispute]:
    """The disputes of ``queryset`` that ``term`` names; everything when it is blank."""
    term = term.strip()
    if not term:
        return queryset
    branches = [
        Dispute.objects.filter(order__in=Order.objects.filter(order_number_prefix(term)).values("pk")).values(
            "pk"
        ),
        Dispute.objects.filter(buyer__in=people_matching(term)).values("pk"),
        Dispute.objects.filter(store__in=stores_matching(term)).values("pk"),
    ]
    reference = REFERENCE.match(term)
    if reference:
        branches.insert(0, Dispute.objects.filter(pk=int(reference[1])).values("pk"))
    return keep_matching(queryset, branches)
