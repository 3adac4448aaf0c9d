"""Reminders before a deadline: when the next is due, and which one is due now.

Pure arithmetic on stored timestamps, shared by every app whose deadlines remind the party who
must act (models use it to store ``next_reminder_at``; the sweep to pick the reminder to send).
"""

from datetime import datetime, timedelta


def next_reminder_at(
    deadline_at: datetime | None, *, sent: int, before: tuple[timedelta, ...]
) -> datetime | None:
    """When the next of the reminders ``before`` the deadline is due, once ``sent`` have gone out."""
    remaining = before[sent:]
    return deadline_at - remaining[0] if deadline_at is not None and remaining else None


def due_reminder(
    deadline_at: datetime, *, sent: int, before: tuple[timedelta, ...], now: datetime
) -> int | None:
    """The index in ``before`` of the latest reminder whose moment has come at ``now``, or None.

    Earlier ones missed during an outage are skipped (one reminder, the most urgent, is enough),
    and none is sent once the deadline itself has passed: its outcome is news enough.
    """
    due = [index for index in range(sent, len(before)) if deadline_at - before[index] <= now]
    if not due or deadline_at <= now:
        return None
    return due[-1]
