"""The audit timeline of a process and its exports (login required)."""

from django.urls import path

from workflow import views_audit

app_name = "workflow_audit"

urlpatterns = [
    path("procesy/<int:pk>/audit/", views_audit.process_audit, name="timeline"),
    path(
        "procesy/<int:pk>/audit/export.<str:fmt>",
        views_audit.process_audit_export,
        name="export",
    ),
]
