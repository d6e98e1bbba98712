"""The Celery application. Without CELERY_BROKER_URL, tasks run in-process (eagerly)."""

import os
import socket
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("komplan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="komplan.worker_info", bind=True)
def worker_info(self: Any) -> dict[str, Any]:
    """Where a task runs: the process id, the machine and the worker's node name.

    A diagnostic for operators and for the services tests (`celery -A config call
    komplan.worker_info`): a pid different from the caller's proves that a worker ran it.
    """
    return {
        "pid": os.getpid(),
        "hostname": socket.gethostname(),
        "worker": self.request.hostname or "",
    }
