"""The mediation console in the Django admin (issue 5): the dispute queue and case page, the
mediator's decisions, the statistics, and the buyer blacklist."""

from disputes.admin.dispute import DisputeAdmin
from disputes.admin.standing import BuyerStandingAdmin

__all__ = ["BuyerStandingAdmin", "DisputeAdmin"]
