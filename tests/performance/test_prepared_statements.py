"""On PostgreSQL a query a connection keeps sending is prepared, so the server stops planning it
(planning was most of the queue query's time at 1M orders, issue 17); a deployment behind a
pooler that cannot keep prepared statements turns that off with one variable."""

import pytest
from django.db import connection

from portal.accounts.models import User
from tests.factories import UserFactory
from tests.performance.environ import POSTGRES, settings_module_with


def test_postgresql_connections_send_values_apart_and_prepare_a_query_sent_five_times():
    with settings_module_with(DATABASE_URL=POSTGRES) as base:
        options = base.DATABASES["default"]["OPTIONS"]
    assert (options["server_side_binding"], options["prepare_threshold"]) == (True, 5)


def test_an_empty_threshold_turns_prepared_statements_off_for_a_transaction_pooler():
    with settings_module_with(DATABASE_URL=POSTGRES, DATABASE_PREPARE_THRESHOLD="") as base:
        options = base.DATABASES["default"]["OPTIONS"]
    assert options["prepare_threshold"] is None


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_a_query_the_connection_keeps_sending_with_other_values_is_prepared_once_and_reused():
    people = UserFactory.create_batch(8)
    for person in people:
        assert User.objects.get(pk=person.pk).username == person.username

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s AND statement LIKE %s",
            ['%FROM "accounts_user"%', '%"accounts_user"."id" = $1%'],
        )
        [(executions,)] = cursor.fetchall()
    # Sent eight times: the first five as they come, then prepared, and run prepared since.
    assert executions >= 2
