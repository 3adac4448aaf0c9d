"""What other apps show on an order's page.

Orders sits below messaging and disputes and imports neither. An app above that shows something
on the order page registers a part here from its ``AppConfig.ready()``; the page's view asks each
part for its facts (computed in the view, like the page's own) and the template includes each
part's templates where the part asks.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orders.models import Order
from portal.accounts.models import User


@dataclass(frozen=True)
class OrderPagePart:
    """Something another app shows on the order page."""

    #: The name its facts go by in the page's context (unique among the parts).
    name: str
    #: ``facts(order=, user=, now=)``: what the part's templates read; ``None`` when they read
    #: only the page's own context.
    facts: Callable[..., Any] | None = None
    #: Shown beside the order's number and seller.
    header_template: str = ""
    #: Shown among "What you can do now".
    actions_template: str = ""
    #: ``has_actions(facts)``: whether the actions template shows anything for these facts, so a
    #: page with nothing to do shows no empty "What you can do now"; ``None``: always.
    has_actions: Callable[[Any], bool] | None = None
    #: Shown at the top of the side column.
    side_template: str = ""


_parts: dict[str, OrderPagePart] = {}


def register(part: OrderPagePart) -> None:
    """Show ``part`` on every order page; registering a part of the same name again replaces it."""
    _parts[part.name] = part


def page_context(*, order: Order, user: User, now: datetime) -> dict:
    """The parts' facts, each under its name, and the parts for each place on the page."""
    parts = list(_parts.values())
    context = {part.name: part.facts(order=order, user=user, now=now) for part in parts if part.facts}
    context["order_page_header_parts"] = [part for part in parts if part.header_template]
    context["order_page_action_parts"] = [
        part
        for part in parts
        if part.actions_template and (part.has_actions is None or part.has_actions(context.get(part.name)))
    ]
    context["order_page_side_parts"] = [part for part in parts if part.side_template]
    return context
