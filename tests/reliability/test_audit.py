"""Audit rows are append-only in the database itself: raw SQL cannot change or delete them, on
SQLite and on PostgreSQL alike, while ``flush`` (used between transactional tests) still works."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from disputes import services
from disputes.models import BuyerStandingChange, DisputeEvent
from messaging import services as messaging
from messaging.models import Message, MessageAttachment
from orders.models import OrderEvent
from portal import audit
from portal.records import PermanentRecordError
from tests.factories import image_upload, open_dispute_for, shipped_order

APPEND_ONLY_TABLES = [
    "disputes_disputeevent",
    "disputes_buyerstandingchange",
    "orders_orderevent",
    "messaging_message",
    "messaging_messageattachment",
]


@pytest.fixture
def records(now, mediator):
    """One row of every append-only table."""
    order = shipped_order(paid_at=now)
    dispute = open_dispute_for(order, at=now + timedelta(days=8))
    message = messaging.send_message(
        order=order, sender=order.buyer, body="Where is it?", photos=[image_upload()], now=now
    )
    services.set_buyer_blacklisted(
        buyer=order.buyer, mediator=mediator, blacklisted=True, reason="Serial claims", now=now
    )
    return {
        "disputes_disputeevent": DisputeEvent.objects.filter(dispute=dispute).first(),
        "disputes_buyerstandingchange": BuyerStandingChange.objects.get(standing__buyer=order.buyer),
        "orders_orderevent": OrderEvent.objects.filter(order=order).first(),
        "messaging_message": message,
        "messaging_messageattachment": MessageAttachment.objects.get(message=message),
    }


def _raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_every_append_only_table_has_its_triggers(db):
    installed = {name for _table, name in audit.installed_triggers(connection)}
    operations = (
        ("update", "delete", "truncate") if connection.vendor == "postgresql" else ("update", "delete")
    )
    expected = {f"append_only_{table}_{op}" for table in APPEND_ONLY_TABLES for op in operations}
    assert expected <= installed, (
        f"missing {sorted(expected - installed)}: on SQLite a migration that alters a table rebuilds "
        "it without its triggers; re-create them in that migration (see portal/migrations/0001)"
    )


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_raw_sql_cannot_update_an_audit_row(records, table):
    row = records[table]
    column = "created_at"
    with pytest.raises(IntegrityError, match="append-only"):
        _raw(f"UPDATE {table} SET {column} = %s WHERE id = %s", [row.created_at - timedelta(days=1), row.pk])
    row.refresh_from_db()
    assert row.created_at == records[table].created_at


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_raw_sql_cannot_delete_an_audit_row(records, table):
    row = records[table]
    with pytest.raises(IntegrityError, match="append-only"):
        _raw(f"DELETE FROM {table} WHERE id = %s", [row.pk])
    assert type(row).objects.filter(pk=row.pk).exists()


def test_raw_sql_cannot_rewrite_what_a_dispute_event_says(records):
    event = records["disputes_disputeevent"]
    with pytest.raises(IntegrityError, match="append-only"):
        _raw(
            "UPDATE disputes_disputeevent SET note = %s, type = %s WHERE id = %s", ["", "withdrawn", event.pk]
        )
    with pytest.raises(IntegrityError, match="append-only"):
        _raw("DELETE FROM disputes_disputeevent")
    assert DisputeEvent.objects.filter(pk=event.pk, type=event.type).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_truncate_is_refused_on_postgresql(records, table):
    # The rows were written in this test's transaction: check their foreign keys now, as a
    # committed database would have, so that TRUNCATE reaches the trigger.
    _raw("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError, match="append-only"):
        _raw(f"TRUNCATE {table} CASCADE")


def test_a_message_photo_gets_its_copies_but_nothing_else_changes(records):
    attachment = records["messaging_messageattachment"]
    _raw(
        "UPDATE messaging_messageattachment SET status = %s, display = %s WHERE id = %s",
        ["ready", "messages/x/derived/display.jpg", attachment.pk],
    )
    with pytest.raises(IntegrityError, match="append-only"):
        _raw("UPDATE messaging_messageattachment SET sha256 = %s WHERE id = %s", ["0" * 64, attachment.pk])
    attachment.refresh_from_db()
    assert (attachment.status, attachment.sha256) == ("ready", records["messaging_messageattachment"].sha256)


@pytest.mark.parametrize(
    "model", [DisputeEvent, OrderEvent, Message, BuyerStandingChange], ids=lambda m: m.__name__
)
def test_the_orm_refuses_before_the_database_has_to(records, model):
    row = records[model._meta.db_table]
    with pytest.raises(PermanentRecordError):
        row.save()
    with pytest.raises(PermanentRecordError):
        row.delete()
    with pytest.raises(PermanentRecordError):
        model.objects.filter(pk=row.pk).update(created_at=row.created_at)
    with pytest.raises(PermanentRecordError):
        model.objects.filter(pk=row.pk).delete()


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_audit_tables_and_leaves_the_triggers_in_force(now, mediators_group):
    from tests.factories import mediator_user

    order = shipped_order(paid_at=now)
    dispute = open_dispute_for(order, at=now + timedelta(days=8))
    services.set_buyer_blacklisted(
        buyer=order.buyer, mediator=mediator_user(), blacklisted=True, reason="Serial claims", now=now
    )
    before = audit.installed_triggers(connection)
    assert DisputeEvent.objects.filter(dispute=dispute).exists()

    call_command("flush", interactive=False, verbosity=0)

    assert not DisputeEvent.objects.exists() and not OrderEvent.objects.exists()
    assert not BuyerStandingChange.objects.exists()
    assert audit.installed_triggers(connection) == before
    order = shipped_order(paid_at=now)
    event = OrderEvent.objects.filter(order=order).first()
    with pytest.raises(IntegrityError, match="append-only"):
        _raw("DELETE FROM orders_orderevent WHERE id = %s", [event.pk])


@pytest.mark.django_db(transaction=True)
def test_a_failed_flush_puts_the_triggers_back(now):
    before = audit.installed_triggers(connection)
    with (
        pytest.raises(RuntimeError, match="boom"),
        transaction.atomic(),
        audit.triggers_suspended(connection),
    ):
        raise RuntimeError("boom")
    assert audit.installed_triggers(connection) == before
    order = shipped_order(paid_at=now)
    event = OrderEvent.objects.filter(order=order).first()
    with pytest.raises(IntegrityError, match="append-only"):
        _raw("UPDATE orders_orderevent SET note = 'edited' WHERE id = %s", [event.pk])


@pytest.mark.django_db(transaction=True)
def test_the_triggers_are_only_ever_lifted_inside_a_transaction():
    with pytest.raises(RuntimeError, match="inside a transaction"), audit.triggers_suspended(connection):
        pass
