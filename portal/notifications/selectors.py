"""What the pages read about a person's notifications."""

from django.db import connection

from portal.accounts.models import User
from portal.notifications.models import Notification


def unread_count(user: User) -> int:
    """How many of ``user``'s notifications are unread: the navigation bar's badge.

    Written as SQL: every page with the bar asks, and the ORM took longer to build the count
    than the database took to answer it from the unread notifications' partial index (0.69 ms
    against 0.15 at 1M orders, issue 17). The table and columns are named from the model."""
    quote = connection.ops.quote_name
    table = quote(Notification._meta.db_table)
    recipient = quote(Notification._meta.get_field("recipient").column)
    read_at = quote(Notification._meta.get_field("read_at").column)
    sql = f"SELECT COUNT(*) FROM {table} WHERE {recipient} = %s AND {read_at} IS NULL"
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        return cursor.fetchone()[0]
