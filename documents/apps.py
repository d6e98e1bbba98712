from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        # Registers the generation tasks with Celery (shared_task) in web and worker processes,
        # and the system check of the upload limits.
        from documents import generation_tasks, upload_handlers  # noqa: F401
