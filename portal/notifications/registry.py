"""Which app tells whom what about its events: the kernel delivers, the domain apps write the texts.

Each domain app registers, in its ``AppConfig.ready``, one builder per event model it notifies
about, the way deadline enforcers are registered with the clock (``portal.deadlines``). A builder
takes the event's id and yields ``(recipient, Message)`` pairs, loading what its texts read; it
yields nothing for an event that no longer exists. The kernel's job
(``portal.notifications.tasks.notify_event``) names the event by its model's label
(``"orders.orderevent"``), so the kernel never imports the app that owns it.
"""

from collections.abc import Callable, Iterable

from django.db import models

from portal.accounts.models import User
from portal.notifications.services import Message

Builder = Callable[[int], Iterable[tuple[User, Message]]]
_builders: dict[str, Builder] = {}


def label_of(model: type[models.Model] | models.Model) -> str:
    """The registry's name for an event model (or one of its rows): ``"app_label.modelname"``."""
    return model._meta.label_lower


def register(model: type[models.Model], builder: Builder) -> None:
    """Make ``builder`` write the messages about ``model``'s events (idempotent by model)."""
    _builders[label_of(model)] = builder


def builder_for(event_label: str) -> Builder:
    """The builder registered for the event model labelled ``event_label``.

    :raises LookupError: no app registered a builder for that model
    """
    try:
        return _builders[event_label]
    except KeyError:
        raise LookupError(f"No notification builder is registered for {event_label!r}.") from None


def registered() -> dict[str, Builder]:
    return dict(_builders)
