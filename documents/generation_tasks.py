"""Celery tasks of document generation: thin, idempotent wrappers around services.

Registered by ``DocumentsConfig.ready()``, which imports this module.
"""

from __future__ import annotations

from celery import shared_task

from documents.models.plan import GenerationJob
from documents.services import generation

# A render of a large plan takes seconds; a template that runs much longer is stopped.
SOFT_TIME_LIMIT_SECONDS = 120
TIME_LIMIT_SECONDS = 150


@shared_task(
    name="documents.generation_tasks.generate_document",
    soft_time_limit=SOFT_TIME_LIMIT_SECONDS,
    time_limit=TIME_LIMIT_SECONDS,
)
def generate_document(job_id: int) -> dict[str, object]:
    """Run one generation job; a done, failed or deleted job is left alone."""
    if not GenerationJob.objects.filter(pk=job_id).exists():
        return {"job": job_id, "state": "missing"}
    job = generation.generation_run(job_id)
    return {"job": job.pk, "state": job.state, "version": job.result_version_id}
