"""The shared base of KomPlan's admin classes: object permissions in, services out.

Django's admin asks model-level questions ("may this user change memberships at all?") that
django-guardian answers with False when no object is given. The base answers them from object
permissions instead: a user may view or change *some* objects of a model when they hold the
permission on at least one of them, and the object-level answer decides for each object.

Writes never call ``Model.save()`` from a form: subclasses implement ``create_object``,
``update_object`` and ``delete_object`` with the app's services (``record_save`` where no service
exists, so that the history names the actor and the reason). When a service refuses
(``ApplicationError``), the admin's transaction is rolled back and the refusal is shown as an
error message and on the form again, never as a crash.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.db import models, router, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_objects_for_user
from simple_history.admin import SimpleHistoryAdmin

from stakeholders.exceptions import ApplicationError
from stakeholders.services import record_save

REASON_FIELD = "change_reason"


class ServiceRefused(Exception):
    """Carries a service's refusal out of the admin's transaction, so that it rolls back."""

    def __init__(self, error: ApplicationError):
        super().__init__(error.message)
        self.error = error


def is_signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_staff(user: Any) -> bool:
    return is_signed_in(user) and bool(user.is_staff or user.is_superuser)


def is_superuser(user: Any) -> bool:
    return is_signed_in(user) and bool(user.is_superuser)


def _request_cache(request: HttpRequest) -> dict[Any, bool]:
    return request.__dict__.setdefault("_komplan_admin_permission_cache", {})


def holds_anywhere(request: HttpRequest, perm: str, model: type[models.Model]) -> bool:
    """Whether the user holds ``perm`` on at least one object of ``model`` (cached per request)."""
    user = request.user
    if not is_signed_in(user):
        return False
    if user.is_superuser:
        return True
    cache = _request_cache(request)
    key = ("anywhere", perm, model._meta.label)
    if key not in cache:
        cache[key] = get_objects_for_user(
            user, perm, klass=model, accept_global_perms=False
        ).exists()
    return cache[key]


def cached_check(request: HttpRequest, key: Any, check: Any) -> bool:
    """Evaluate ``check()`` once per request under ``key``."""
    cache = _request_cache(request)
    if key not in cache:
        cache[key] = bool(check())
    return cache[key]


def objects_with_perm(user: Any, perm: str, model: type[models.Model]) -> models.QuerySet:
    """Objects of ``model`` on which the user holds ``perm`` (all of them for a superuser)."""
    if not is_signed_in(user):
        return model._default_manager.none()
    if user.is_superuser:
        return model._default_manager.all()
    return get_objects_for_user(user, perm, klass=model, accept_global_perms=False)


def field_values(obj: models.Model, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The concrete field values of an unsaved instance, to pass on to a create service."""
    skipped = set(exclude)
    return {
        field.name: getattr(obj, field.name)
        for field in obj._meta.concrete_fields
        if not field.primary_key and field.name not in skipped
    }


def adopt(target: models.Model, source: models.Model) -> None:
    """Make the admin's unsaved instance stand for the object a service created."""
    for field in source._meta.concrete_fields:
        # Through __dict__: protected state-machine fields refuse assignment.
        name = field.attname
        target.__dict__[name] = (
            source.__dict__[name] if name in source.__dict__ else getattr(source, name)
        )
    target._state.adding = False
    target._state.db = source._state.db


def refusal_text(error: ApplicationError) -> str:
    details = [
        str(message)
        for field_messages in getattr(error, "errors", {}).values()
        for message in ([field_messages] if isinstance(field_messages, str) else field_messages)
    ]
    return " ".join([error.message, *[d for d in details if d != error.message]])


class ReasonForm(forms.ModelForm):
    """Every admin form asks for the reason of the change; the history records it."""

    change_reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=300,
        help_text=_("Recorded in the history of the record."),
    )


def _form_with_refusal(form_class: type[forms.ModelForm], error: ApplicationError) -> type:
    """A form class that shows a service's refusal as form errors (so the input is kept)."""
    field_errors = dict(getattr(error, "errors", {}) or {})

    class RefusedForm(form_class):  # type: ignore[misc, valid-type]
        def clean(self) -> dict[str, Any]:
            cleaned = super().clean()
            for field, field_messages in field_errors.items():
                as_list = [field_messages] if isinstance(field_messages, str) else field_messages
                if field in self.fields:
                    self.add_error(field, list(as_list))
                elif field != NON_FIELD_ERRORS:
                    self.add_error(None, [f"{field}: {m}" for m in as_list])
                else:
                    self.add_error(None, list(as_list))
            self.add_error(None, error.message)
            return cleaned

    RefusedForm.__name__ = form_class.__name__
    return RefusedForm


def _delete_selected_through_services(
    modeladmin: ServiceAdmin, request: HttpRequest, queryset: models.QuerySet
) -> HttpResponse | None:
    """Django's "delete selected" action, atomic, with a service's refusal shown as an error."""
    try:
        with transaction.atomic(using=router.db_for_write(queryset.model)):
            return django_delete_selected(modeladmin, request, queryset)
    except ServiceRefused as refused:
        modeladmin.report_refusal(request, refused.error)
        return None


class ServiceAdmin(SimpleHistoryAdmin):
    """Base of every KomPlan ModelAdmin (see the module docstring).

    Subclasses override ``has_*_permission`` with object-permission answers and the three write
    hooks; ``default_reason`` goes into the history when the form's reason is left empty.
    """

    form = ReasonForm
    default_reason = _("Edited in the administration")
    create_reason = _("Created in the administration")
    delete_reason = _("Deleted in the administration")

    # --- permissions -----------------------------------------------------------------------

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_staff(request.user) and (
            self.has_view_permission(request)
            or self.has_change_permission(request)
            or self.has_add_permission(request)
        )

    def has_view_history_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_view_permission(request, obj)

    def has_change_history_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # History is a record; it is never edited or reverted through the admin.
        return False

    def has_view_history_or_change_history_permission(
        self, request: HttpRequest, obj: Any = None
    ) -> bool:
        return self.has_view_history_permission(request, obj)

    # --- write hooks (services) --------------------------------------------------------------

    def reason(self, form: forms.Form | None, default: Any = None) -> str:
        cleaned = getattr(form, "cleaned_data", None) or {}
        given = (cleaned.get(REASON_FIELD) or "").strip()
        return given or str(default if default is not None else self.default_reason)

    def create_object(
        self, request: HttpRequest, obj: models.Model, form: forms.ModelForm
    ) -> models.Model:
        raise NotImplementedError(f"{type(self).__name__} has no create service")

    def update_object(
        self, request: HttpRequest, obj: models.Model, form: forms.ModelForm
    ) -> models.Model:
        return record_save(obj, actor=request.user, reason=self.reason(form))

    def delete_object(self, request: HttpRequest, obj: models.Model) -> None:
        """Delete with the actor and a reason in the history (for models without a service)."""
        obj._history_user = request.user  # type: ignore[attr-defined]
        obj._change_reason = str(self.delete_reason)  # type: ignore[attr-defined]
        obj.delete()

    def save_inline_object(
        self, request: HttpRequest, obj: models.Model, form: forms.ModelForm
    ) -> models.Model:
        return record_save(obj, actor=request.user, reason=self.reason(form))

    # --- Django admin plumbing ---------------------------------------------------------------

    def report_refusal(self, request: HttpRequest, error: ApplicationError) -> None:
        self.message_user(request, refusal_text(error), messages.ERROR)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_fields(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            fields = [name for name in fields if name != REASON_FIELD]
        return fields

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type:
        form_class = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "_komplan_refusal", None)
        return form_class if refusal is None else _form_with_refusal(form_class, refusal)

    def save_model(
        self, request: HttpRequest, obj: models.Model, form: forms.ModelForm, change: bool
    ) -> None:
        try:
            if change:
                self.update_object(request, obj, form)
            else:
                adopt(obj, self.create_object(request, obj, form))
        except ApplicationError as exc:
            raise ServiceRefused(exc) from exc

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool
    ) -> None:
        try:
            instances = formset.save(commit=False)
            for deleted in formset.deleted_objects:
                self.delete_object(request, deleted)
            for instance in instances:
                self.save_inline_object(request, instance, form)
            formset.save_m2m()
        except ApplicationError as exc:
            raise ServiceRefused(exc) from exc

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        try:
            self.delete_object(request, obj)
        except ApplicationError as exc:
            raise ServiceRefused(exc) from exc

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _func, name, description = actions["delete_selected"]
            actions["delete_selected"] = (_delete_selected_through_services, name, description)
        return actions

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # The transaction is rolled back; show the same form again with the refusal.
            self.report_refusal(request, refused.error)
            request._komplan_refusal = refused.error  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ServiceRefused as refused:
            self.report_refusal(request, refused.error)
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_change",
                    args=[object_id],
                    current_app=self.admin_site.name,
                )
            )

    def _require_visible(self, request: HttpRequest, object_id: str) -> None:
        """Outside superusers, an object the user may not see has no history either (404)."""
        if is_superuser(request.user):
            return
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404(gettext("Not found."))

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._require_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            # Reverting from history would bypass the services; history is read-only.
            raise HttpForbidden
        self._require_visible(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReferenceDataAdmin(ServiceAdmin):
    """Reference data (territories, target groups, organisations, ESF projects): every staff user
    reads it, only superusers edit it."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_staff(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_staff(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_superuser(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request.user)


class ReadOnlyInline(admin.TabularInline):
    """An inline that lists related rows; they are edited through their own admin."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
