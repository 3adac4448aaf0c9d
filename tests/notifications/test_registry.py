"""The kernel delivers and the domain apps write: each app registers what its events tell whom, the
kernel's notification code imports no domain app, and jobs queued under the old task names still
run."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings

import portal.notifications
from disputes.models import DisputeEvent
from orders.models import OrderEvent
from portal.notifications import registry
from portal.notifications.models import Notification
from portal.notifications.tasks import notify_after_commit
from portal.outbox import services as outbox
from portal.outbox.models import OutboxMessage
from tests.factories import ship
from tests.notifications.test_dispute_emails import opened

DOMAIN_APPS = ("orders", "disputes", "messaging")
KERNEL = Path(portal.notifications.__file__).parent
DAY = timedelta(days=1)


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize(
    "path", sorted(KERNEL.rglob("*.py")), ids=lambda path: str(path.relative_to(settings.BASE_DIR))
)
def test_the_kernels_notification_code_imports_no_domain_app(path):
    domain = sorted(
        module
        for module in _imported_modules(path)
        if any(module == app or module.startswith(f"{app}.") for app in DOMAIN_APPS)
    )

    assert domain == []


def test_the_order_and_dispute_apps_register_the_texts_of_their_events():
    assert set(registry.registered()) >= {"orders.orderevent", "disputes.disputeevent"}
    assert registry.label_of(OrderEvent) == "orders.orderevent"
    assert registry.label_of(DisputeEvent) == "disputes.disputeevent"


def test_an_event_model_no_app_registered_is_refused_before_anything_is_queued(db, buyer):
    with pytest.raises(LookupError, match=r"accounts\.user"):
        notify_after_commit(buyer)

    assert not OutboxMessage.objects.filter(kwargs__event_label="accounts.user").exists()


@pytest.mark.parametrize(
    ("old_task", "make_event", "dedupe_prefix"),
    [
        (
            "portal.notifications.tasks.notify_order_event",
            lambda order, now: ship(order, at=now + DAY).events.get(type=OrderEvent.Type.SHIPPED),
            "order-event",
        ),
        (
            "portal.notifications.tasks.notify_dispute_event",
            lambda order, now: opened(order, now + 10 * DAY).events.get(type=DisputeEvent.Type.OPENED),
            "dispute-event",
        ),
    ],
)
def test_a_job_queued_under_an_old_task_name_before_the_rename_still_notifies(
    order, now, celery_eager, django_capture_on_commit_callbacks, old_task, make_event, dedupe_prefix
):
    with django_capture_on_commit_callbacks(execute=False):
        event = make_event(order, now)
    # As a deployed site's pending row from before the rename: the only job about the event.
    OutboxMessage.objects.filter(
        pk__in=[m.pk for m in OutboxMessage.objects.all() if event.pk in m.kwargs.get("event_ids", [])]
    ).delete()
    message = OutboxMessage.objects.create(
        task=old_task, kwargs={"event_id": event.pk}, created_at=now, next_dispatch_at=now
    )

    outbox.redispatch_due(now=now + 20 * DAY)

    message.refresh_from_db()
    assert message.done_at is not None and message.last_error == ""
    assert Notification.objects.filter(dedupe_key=f"{dedupe_prefix}:{event.pk}").exists()
