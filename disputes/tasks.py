"""Background jobs of the disputes app: thin wrappers that load by id and call one function."""

from celery import shared_task

from disputes import evidence
from portal.outbox.tasks import OutboxTask


@shared_task(base=OutboxTask, acks_late=True, ignore_result=True)
def process_evidence(*, evidence_id: int) -> None:
    """Make the copies of one evidence photo that the parties see; a repeat does nothing."""
    evidence.process_evidence(evidence_id=evidence_id)
