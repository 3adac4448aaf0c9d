from django.db import models
from django.db.models import Q


class OutboxMessage(models.Model):
    """One background job, written in the transaction of the change that asks for it.

    ``task`` names a Celery task built on :class:`portal.outbox.tasks.OutboxTask`; ``kwargs`` are
    its keyword arguments (ids only). The message is pending until a worker has run the task
    (``done_at``) or the sweep gave it up (``gave_up_at``, after ``MAX_DISPATCHES`` sends).
    """

    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    #: When the sweep sends it (again) if it is still not done by then.
    next_dispatch_at = models.DateTimeField()
    #: Sends that reached the broker (or were about to: the first is counted when written).
    dispatch_count = models.PositiveIntegerField(default=0)
    #: When a worker took it; another may take it once the claim's lease has run out.
    claimed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    gave_up_at = models.DateTimeField(null=True, blank=True)
    #: Why the last run failed, for the admin; empty once done.
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_dispatch_at"],
                name="outbox_pending_idx",
                condition=Q(done_at__isnull=True, gave_up_at__isnull=True),
            ),
            models.Index(fields=["done_at"], name="outbox_done_idx", condition=Q(done_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.kwargs}"

    @property
    def state(self) -> str:
        if self.done_at is not None:
            return "done"
        if self.gave_up_at is not None:
            return "given up"
        return "pending"
