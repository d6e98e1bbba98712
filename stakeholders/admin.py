"""Admin for territories, organisations, people, bodies and memberships.

Reference data (territories, target groups, organisations, ESF projects) is read by every staff
user and edited by superusers. Bodies, memberships and people are listed through the selectors and
edited through the services, so what the admin shows and allows follows the role table.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter, helpers
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from stakeholders import permissions, roles, services
from stakeholders.admin_base import (
    ReadOnlyInline,
    ReferenceDataAdmin,
    ServiceAdmin,
    cached_check,
    field_values,
    holds_anywhere,
    is_signed_in,
    is_staff,
    is_superuser,
    objects_with_perm,
    refusal_text,
)
from stakeholders.exceptions import ApplicationError
from stakeholders.models import (
    Body,
    EsfProject,
    Membership,
    Organization,
    Person,
    TargetGroup,
    Territory,
    TerritoryMunicipality,
)
from stakeholders.selectors import body_list, membership_list, person_list

admin.site.site_header = settings.KOMPLAN_SITE_NAME
admin.site.site_title = settings.KOMPLAN_SITE_NAME
admin.site.index_title = _("Administration")


def _process_model() -> type[models.Model]:
    # Reached through the body's relation: stakeholders does not import workflow.
    return Body._meta.get_field("process").related_model  # type: ignore[return-value]


def _can_read_body_history(user: Any, body: Body) -> bool:
    """Body and membership history: the body's managers, and whoever may read its process's."""
    if not permissions.can_view_body(user, body):
        return False
    if user.is_superuser or permissions.can_change_body(user, body):
        return True
    return body.process_id is not None and user.has_perm(roles.VIEW_HISTORY, body.process)


# --- reference data ---------------------------------------------------------------------------


class TerritoryMunicipalityInline(admin.TabularInline):
    model = TerritoryMunicipality
    fk_name = "territory"
    extra = 0
    autocomplete_fields = ["municipality"]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return super().get_queryset(request).select_related("municipality")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_staff(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request.user)


@admin.register(Territory)
class TerritoryAdmin(ReferenceDataAdmin):
    list_display = ["name", "kind", "code"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    inlines = [TerritoryMunicipalityInline]

    def create_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Territory:
        return services.territory_create(
            actor=request.user,
            kind=obj.kind,
            code=obj.code,
            name=obj.name,
            reason=self.reason(form, self.create_reason),
        )

    def save_inline_object(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm
    ) -> models.Model:
        if isinstance(obj, TerritoryMunicipality) and obj.pk is None:
            return services.territory_add_municipality(
                actor=request.user,
                territory=obj.territory,
                municipality=obj.municipality,
                plans_independently=obj.plans_independently,
                reason=self.reason(form),
            )
        return super().save_inline_object(request, obj, form)


@admin.register(TargetGroup)
class TargetGroupAdmin(ReferenceDataAdmin):
    list_display = ["name", "code", "order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]

    def create_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> TargetGroup:
        reason = self.reason(form, self.create_reason)
        group = services.target_group_create(
            actor=request.user,
            code=obj.code,
            name=obj.name,
            description=obj.description,
            order=obj.order,
            reason=reason,
        )
        if group.is_active != obj.is_active:
            group.is_active = obj.is_active
            services.record_save(group, actor=request.user, reason=reason)
        return group


@admin.register(Organization)
class OrganizationAdmin(ReferenceDataAdmin):
    list_display = ["name", "kind", "ico", "territory"]
    list_filter = ["kind"]
    list_select_related = ["territory"]
    search_fields = ["name", "ico"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def create_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Organization:
        return services.organization_create(
            actor=request.user, reason=self.reason(form, self.create_reason), **field_values(obj)
        )


@admin.register(EsfProject)
class EsfProjectAdmin(ReferenceDataAdmin):
    list_display = ["registration_number", "name", "programme", "starts_on", "ends_on"]
    list_filter = ["programme"]
    search_fields = ["registration_number", "name"]
    filter_horizontal = ["partners"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A project whose processes' records are kept until its retention date stays (the
        # processes protect it in the database too; see workflow.services.retention).
        allowed = super().has_delete_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return not (obj.retention_until >= timezone.localdate() and obj.planning_processes.exists())

    def create_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> EsfProject:
        return services.esf_project_create(
            actor=request.user,
            partners=form.cleaned_data.get("partners") or (),
            reason=self.reason(form, self.create_reason),
            **field_values(obj),
        )


# --- people -----------------------------------------------------------------------------------


@admin.register(Person)
class PersonAdmin(ServiceAdmin):
    """People the user may see (selectors.person_list). A person's record is edited by
    superusers, by the person, and by whoever manages memberships of a body the person sits in."""

    list_display = ["last_name", "first_name", "organization", "email", "consents_to_public_name"]
    search_fields = ["last_name", "first_name", "email"]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Person]:
        return person_list(actor=request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = ["consent_recorded_at"]
        if not is_superuser(request.user):
            fields.insert(0, "user")
        return fields

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not is_staff(request.user):
            return False
        if obj is None:
            return cached_check(
                request,
                ("person", "view"),
                lambda: is_superuser(request.user) or self.get_queryset(request).exists(),
            )
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user = request.user
        if not is_staff(user):
            return False
        if user.is_superuser:
            return True
        if obj is None:
            return holds_anywhere(request, roles.MANAGE_MEMBERSHIP, Body) or hasattr(user, "person")
        if obj.user_id == user.pk:
            return True
        return (
            objects_with_perm(user, roles.MANAGE_MEMBERSHIP, Body)
            .filter(memberships__person=obj)
            .exists()
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_staff(request.user) and holds_anywhere(request, roles.MANAGE_MEMBERSHIP, Body)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request.user)

    def create_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Person:
        values = field_values(obj, exclude=["first_name", "last_name"])
        return services.person_create(
            actor=request.user,
            first_name=obj.first_name,
            last_name=obj.last_name,
            reason=self.reason(form, self.create_reason),
            **values,
        )

    def update_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Person:
        if "consents_to_public_name" in form.changed_data:
            obj.consent_recorded_at = timezone.now() if obj.consents_to_public_name else None
        if "user" in form.changed_data:
            # The login's object permissions follow the link (superusers only; see readonly).
            return services.person_link_user(
                actor=request.user, person=obj, user=obj.user, reason=self.reason(form)
            )
        return services.record_save(obj, actor=request.user, reason=self.reason(form))


# --- bodies and memberships -------------------------------------------------------------------


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = ["person", "role", "triad_side", "valid_from", "valid_to", "ended_at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Membership]:
        return membership_list(actor=request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.VIEW_BODY, Body)
        return permissions.can_view_body(request.user, obj)


@admin.register(Body)
class BodyAdmin(ServiceAdmin):
    """Bodies the user may see (selectors.body_list); a process's coordinator changes its bodies
    and creates new ones (services.body_create); council bodies are set up by superusers."""

    list_display = ["name", "kind", "process", "territory", "target_group", "is_active"]
    list_filter = [
        "kind",
        "is_active",
        ("process", RelatedOnlyFieldListFilter),
        ("territory", RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name"]
    inlines = [MembershipInline]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Body]:
        return body_list(actor=request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None:
            # Kind and owner decide which roles and grants a body has; they are fixed.
            return ["kind", "territory", "process"]
        return [] if is_superuser(request.user) else ["territory"]

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "process":
            kwargs["queryset"] = objects_with_perm(
                request.user, roles.MANAGE_PROCESS, _process_model()
            )
            kwargs["required"] = not is_superuser(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "kind" and not is_superuser(request.user):
            # Council bodies and secretariats belong to a territory: superusers set them up.
            kwargs["choices"] = [
                (value, label) for value, label in Body.Kind.choices if value in Body.PROCESS_KINDS
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.VIEW_BODY, Body)
        return permissions.can_view_body(request.user, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.CHANGE_BODY, Body)
        return permissions.can_change_body(request.user, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return holds_anywhere(request, roles.MANAGE_PROCESS, _process_model())

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request.user)

    def has_view_history_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self.has_view_permission(request)
        return _can_read_body_history(request.user, obj)

    def create_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Body:
        rule_fields = ["quorum_rule", "majority_rule", "seat_count", "invitation_lead_days"]
        # Rules left at their defaults are not passed, so that the service's defaults apply
        # (council bodies decide by a majority of all members).
        rules = {name: getattr(obj, name) for name in rule_fields if name in form.changed_data}
        if not obj.is_active:
            rules["is_active"] = False
        return services.body_create(
            actor=request.user,
            kind=obj.kind,
            name=obj.name,
            territory=obj.territory,
            process=obj.process,
            target_group=obj.target_group,
            reason=self.reason(form, self.create_reason),
            **rules,
        )

    def update_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Body:
        body = services.record_save(obj, actor=request.user, reason=self.reason(form))
        if "is_active" in form.changed_data:
            # An inactive body grants nothing; its members' permissions follow at once.
            services.permissions_sync_users(users=_member_users(body))
        return body

    def delete_object(self, request: HttpRequest, obj: Any) -> None:
        members = _member_users(obj)
        super().delete_object(request, obj)
        # The body's own rows go with it (foreign key); what it granted elsewhere is revoked.
        services.permissions_sync_users(users=members)


def _member_users(body: Body) -> list[Any]:
    return [
        membership.person.user
        for membership in body.memberships.filter(person__user__isnull=False).select_related(
            "person__user"
        )
    ]


class MembershipActionForm(helpers.ActionForm):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=300,
        help_text=_("Required to end a membership."),
    )


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    """Memberships the user may see (selectors.membership_list). Appointing, ending and deleting
    go through the services, which grant and revoke the object permissions at once."""

    list_display = [
        "person",
        "body",
        "role",
        "triad_side",
        "valid_from",
        "valid_to",
        "is_in_force",
    ]
    list_filter = ["role", ("body", RelatedOnlyFieldListFilter)]
    search_fields = ["person__last_name", "person__first_name", "body__name"]
    autocomplete_fields = ["person"]
    action_form = MembershipActionForm
    actions = ["end_memberships"]
    default_reason = _("Membership edited in the administration")
    create_reason = _("Appointed in the administration")
    delete_reason = _("Membership deleted in the administration (entered by mistake)")

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Membership]:
        return membership_list(actor=request.user).select_related(
            "body__process", "body__territory"
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        # Who, where, in which role and when decide the permissions: fixed once appointed.
        # Ending goes through the "End membership" action.
        return ["person", "body", "role", "valid_from", "valid_to", "ended_at", "end_reason"]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["end_reason"] if obj is None else []

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("valid_from", timezone.localdate())
        return initial

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "body":
            kwargs["queryset"] = objects_with_perm(request.user, roles.MANAGE_MEMBERSHIP, Body)
        elif db_field.name == "person":
            kwargs["queryset"] = person_list(actor=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(boolean=True, description=_("In force"))
    def is_in_force(self, obj: Membership) -> bool:
        return obj.is_current()

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user = request.user
        if not is_signed_in(user):
            return False
        if obj is None:
            return cached_check(
                request, ("membership", "view"), lambda: self.get_queryset(request).exists()
            )
        return obj.person.user_id == user.pk or permissions.can_view_body(user, obj.body)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return holds_anywhere(request, roles.MANAGE_MEMBERSHIP, Body)
        return permissions.can_manage_membership(request.user, obj.body)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return holds_anywhere(request, roles.MANAGE_MEMBERSHIP, Body)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)

    def has_view_history_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self.has_view_permission(request)
        return _can_read_body_history(request.user, obj.body)

    def create_object(self, request: HttpRequest, obj: Any, form: forms.ModelForm) -> Membership:
        return services.membership_create(
            actor=request.user,
            person=obj.person,
            body=obj.body,
            role=obj.role,
            triad_side=obj.triad_side,
            valid_from=obj.valid_from,
            valid_to=obj.valid_to,
            appointing_resolution=obj.appointing_resolution,
            reason=self.reason(form, self.create_reason),
        )

    def delete_object(self, request: HttpRequest, obj: Any) -> None:
        services.membership_delete(
            actor=request.user, membership=obj, reason=str(self.delete_reason)
        )

    @admin.action(permissions=["change"], description=_("End membership"))
    def end_memberships(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        reason = (request.POST.get("reason") or "").strip()
        if not reason:
            self.message_user(
                request,
                gettext("Enter the reason for ending the membership; nothing was changed."),
                messages.ERROR,
            )
            return
        try:
            with transaction.atomic():
                ended = [
                    services.membership_end(actor=request.user, membership=m, reason=reason)
                    for m in queryset
                ]
        except ApplicationError as exc:
            self.message_user(
                request,
                gettext("Nothing was changed: %(error)s") % {"error": refusal_text(exc)},
                messages.ERROR,
            )
            return
        self.message_user(
            request,
            ngettext("%(count)d membership ended.", "%(count)d memberships ended.", len(ended))
            % {"count": len(ended)},
            messages.SUCCESS,
        )
