"""What the pages read about a person's notifications."""

from django.db import connection

from portal.accounts.models import User
from portal.notifications.models import Notification
from portal.querying import sql_names


def unread_count(user: User) -> int:
    """How many of ``user``'s notifications are unread: the navigation bar's badge.

    Written as SQL: every page with the bar asks, and the ORM took longer to build the count
    than the database took to answer it from the unread notifications' partial index (0.69 ms
    against 0.15 at 1M orders, issue 17). The table and columns are named from the model."""
    table, recipient, read_at = sql_names(Notification, "recipient", "read_at")
    sql = f"SELECT COUNT(*) FROM {table} WHERE {recipient} = %s AND {read_at} IS NULL"
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        return cursor.fetchone()[0]
