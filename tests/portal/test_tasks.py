"""The beat's sweep task and its cron-friendly twin, the enforce_deadlines command."""

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from orders.models import Order, OrderEvent
from portal import deadlines
from portal.celery import app
from portal.tasks import enforce_deadlines

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)


def test_the_sweep_task_applies_every_due_deadline(order, time_machine):
    time_machine.move_to(order.handling_due_at, tick=False)

    result = enforce_deadlines.apply()

    assert result.successful()
    assert result.get()["orders"] == 1
    order.refresh_from_db()
    assert order.state == Order.State.CANCELLED
    assert order.closed_at == order.handling_due_at
    assert order.refunds.count() == 1


def test_the_sweep_task_does_nothing_a_second_before_a_deadline(order, time_machine):
    time_machine.move_to(order.handling_due_at - SECOND, tick=False)

    assert enforce_deadlines()["orders"] == 0

    order.refresh_from_db()
    assert order.state == Order.State.PAID
    assert not order.events.exclude(type=OrderEvent.Type.SHIP_BY_REMINDER).exists()


def test_a_repeated_or_late_tick_applies_nothing_twice(order, time_machine):
    time_machine.move_to(order.handling_due_at + timedelta(hours=3), tick=False)

    enforce_deadlines()
    enforce_deadlines.apply()

    assert order.events.filter(type=OrderEvent.Type.AUTO_CANCELLED).count() == 1
    assert order.refunds.count() == 1


def test_the_orders_enforcer_is_registered_with_the_sweep():
    from orders.services import enforce_order_deadlines

    assert deadlines.registered()["orders"] is enforce_order_deadlines


def test_the_beat_schedules_the_registered_sweep_task_with_an_expiry():
    entry = settings.CELERY_BEAT_SCHEDULE["enforce-deadlines"]

    assert entry["task"] == enforce_deadlines.name == "portal.tasks.enforce_deadlines"
    assert entry["task"] in app.tasks
    assert entry["options"]["expires"] == entry["schedule"] > 0


def test_the_command_applies_deadlines_at_the_time_it_is_told(order):
    out = StringIO()

    call_command("enforce_deadlines", now=order.handling_due_at.isoformat(), stdout=out)

    order.refresh_from_db()
    assert order.state == Order.State.CANCELLED
    assert "orders=1" in out.getvalue()


def test_the_command_refuses_a_time_without_a_time_zone(order):
    err = StringIO()

    call_command("enforce_deadlines", now="2026-12-01T12:00:00", stderr=err, stdout=StringIO())

    assert "time zone" in err.getvalue()
    order.refresh_from_db()
    assert order.state == Order.State.PAID
