from django.conf import settings
from django.db import models
from django.db.models import Q


class Notification(models.Model):
    """An in-app alert (and the record of its e-mail) for one recipient."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=48)
    title = models.CharField(max_length=200)
    #: What happened.
    body = models.TextField(blank=True)
    #: What the recipient must do by ``act_by``; without ``act_by``, what happens next.
    next_step = models.TextField(blank=True)
    #: What happens if the recipient does not act by ``act_by``.
    otherwise = models.TextField(blank=True)
    act_by = models.DateTimeField(null=True, blank=True)
    url = models.CharField(max_length=300, blank=True)
    #: Deadline notices are essential: always e-mailed, whatever the user's preference.
    essential = models.BooleanField(default=False)
    #: Makes delivery idempotent: a retried job finds the row instead of writing a second one.
    dedupe_key = models.CharField(max_length=120)
    #: When what it tells of happened: the list shows and sorts by it.
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    #: When the step it asked for stopped being due (e.g. a dispute was opened on the order it
    #: asked to confirm or dispute): from then on it no longer says "Your move".
    settled_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], name="notification_once_per_recipient"
            )
        ]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                name="notification_unread_idx",
                condition=Q(read_at__isnull=True),
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_list_idx"),
        ]

    def __str__(self) -> str:
        return self.title
