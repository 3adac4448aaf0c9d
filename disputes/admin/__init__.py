"""The mediation console in the Django admin (issue 5): the dispute queue and case page, the
mediator's decisions, the statistics, the buyer blacklist, and the conversations of disputed
orders."""

from disputes.admin.appeal import AppealAdmin
from disputes.admin.conversation import ConversationAdmin
from disputes.admin.dispute import DisputeAdmin
from disputes.admin.standing import BuyerStandingAdmin

__all__ = ["AppealAdmin", "BuyerStandingAdmin", "ConversationAdmin", "DisputeAdmin"]
