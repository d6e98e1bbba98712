from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("Planning process")

    def ready(self) -> None:
        from workflow import public_cache
        from workflow.services import retention

        public_cache.connect_signals()
        retention.connect_signals()
