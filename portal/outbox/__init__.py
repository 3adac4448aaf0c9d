"""The transactional outbox: every background job is a row written with the change that causes it.

A job (notify the parties, pay a refund, make a photo's copies) is written as an
:class:`~portal.outbox.models.OutboxMessage` in the same transaction as the change, so a change
that rolls back leaves no job and a change that commits always leaves one. After commit the
message is sent to Celery; a worker claims it, runs the task and marks it done. The periodic
sweep sends again whatever is not done, with a back-off, so a broker that was down for hours, or
a worker that died mid-job, loses nothing. Every job is idempotent on its own, so a message run
twice (sent again while the first copy was still queued) changes nothing more.
"""
