"""The audit trail in the admin: read-only, for superusers; nothing can be added, changed or
deleted here (the model and, on PostgreSQL, the database refuse it as well)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditChain, AuditEvent


class _ReadOnlyAdmin(admin.ModelAdmin):
    actions = None

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(_ReadOnlyAdmin):
    list_display = ("id", "process", "seq", "kind", "actor_id", "object_type", "object_id")
    list_filter = ("kind",)
    search_fields = ("=hash", "=object_id", "=actor_id")
    ordering = ("-id",)
    show_full_result_count = False
    list_select_related = ("process",)
    readonly_fields = (
        "process",
        "seq",
        "kind",
        "actor_id",
        "object_type",
        "object_id",
        "payload",
        "occurred_at",
        "prev_hash",
        "hash",
        "format_version",
    )


@admin.register(AuditChain)
class AuditChainAdmin(_ReadOnlyAdmin):
    list_display = ("process", "last_seq", "last_hash")
    list_select_related = ("process",)
    readonly_fields = ("process", "last_seq", "last_hash")
