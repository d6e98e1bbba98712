"""Serializers of the stakeholders API: output (read-only) and input (parse only; the services
decide)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from config.api import BoundedDateField, OutputSerializer, ReasonField, id_field
from stakeholders.models import Body, Membership, Organization, Person, TargetGroup, Territory

# --- output -------------------------------------------------------------------------------------


class TerritorySerializer(OutputSerializer):
    class Meta:
        model = Territory
        fields = ["id", "kind", "code", "name"]
        read_only_fields = fields


class TargetGroupSerializer(OutputSerializer):
    class Meta:
        model = TargetGroup
        fields = ["id", "code", "name", "description", "order", "is_active"]
        read_only_fields = fields


class OrganizationSerializer(OutputSerializer):
    class Meta:
        model = Organization
        fields = [
            "id",
            "kind",
            "name",
            "ico",
            "provider_registry_id",
            "address",
            "website",
            "email",
            "territory",
        ]
        read_only_fields = fields


class PersonSerializer(OutputSerializer):
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "title_before",
            "first_name",
            "last_name",
            "title_after",
            "full_name",
            "email",
            "phone",
            "organization",
            "user",
            "consents_to_public_name",
        ]
        read_only_fields = fields


class BodySerializer(OutputSerializer):
    class Meta:
        model = Body
        fields = [
            "id",
            "kind",
            "name",
            "territory",
            "process",
            "target_group",
            "quorum_rule",
            "majority_rule",
            "seat_count",
            "invitation_lead_days",
            "is_active",
        ]
        read_only_fields = fields


class MembershipSerializer(OutputSerializer):
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = [
            "id",
            "person",
            "person_name",
            "body",
            "role",
            "triad_side",
            "valid_from",
            "valid_to",
            "ended_at",
            "end_reason",
            "appointing_resolution",
            "is_current",
        ]
        read_only_fields = fields

    def get_is_current(self, membership: Membership) -> bool:
        return membership.is_current(timezone.localdate())


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    is_superuser = serializers.BooleanField()
    person = PersonSerializer(allow_null=True)


class IssuedTokenSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    key = serializers.CharField(help_text="Shown once; send it as `Authorization: Token <key>`.")
    created_at = serializers.DateTimeField()


# --- input --------------------------------------------------------------------------------------


class TerritoryCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Territory.Kind.choices)
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=200)
    reason = ReasonField()


class TargetGroupCreateSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    order = serializers.IntegerField(min_value=0, max_value=32767, default=0)
    reason = ReasonField()


class OrganizationCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Organization.Kind.choices)
    name = serializers.CharField(max_length=255)
    ico = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    provider_registry_id = serializers.CharField(
        max_length=32, required=False, allow_blank=True, default=""
    )
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    website = serializers.URLField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    territory = id_field(required=False, allow_null=True, default=None)
    reason = ReasonField()


class PersonCreateSerializer(serializers.Serializer):
    title_before = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    title_after = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    organization = id_field(required=False, allow_null=True, default=None)
    consents_to_public_name = serializers.BooleanField(required=False, default=False)
    reason = ReasonField()


class PersonLinkUserSerializer(serializers.Serializer):
    user = id_field(allow_null=True, help_text="The user account; null unlinks.")
    reason = ReasonField()


class BodyRulesSerializer(serializers.Serializer):
    quorum_rule = serializers.ChoiceField(choices=Body.QuorumRule.choices, required=False)
    majority_rule = serializers.ChoiceField(choices=Body.MajorityRule.choices, required=False)
    seat_count = serializers.IntegerField(
        min_value=1, max_value=32767, required=False, allow_null=True
    )
    invitation_lead_days = serializers.IntegerField(min_value=0, max_value=365, required=False)

    def rules(self, data: dict[str, Any]) -> dict[str, Any]:
        return {name: data[name] for name in BodyRulesSerializer().fields if name in data}


class TerritoryBodyCreateSerializer(BodyRulesSerializer):
    """A council body or secretariat of a territory (a process's bodies are created under
    ``/processes/{id}/bodies/``)."""

    kind = serializers.ChoiceField(choices=Body.Kind.choices)
    name = serializers.CharField(max_length=200)
    territory = id_field()
    reason = ReasonField()


class MembershipCreateSerializer(serializers.Serializer):
    person = id_field()
    body = id_field()
    role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    triad_side = serializers.ChoiceField(
        choices=Membership.TriadSide.choices, required=False, allow_blank=True, default=""
    )
    valid_from = BoundedDateField(required=False, allow_null=True, default=None)
    valid_to = BoundedDateField(required=False, allow_null=True, default=None)
    appointing_resolution = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    reason = ReasonField()


class MembershipEndSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Why the membership ends.")
    ended_on = BoundedDateField(required=False, allow_null=True, default=None)


class TokenRequestSerializer(serializers.Serializer):
    user = id_field(
        required=False,
        allow_null=True,
        default=None,
        help_text="Another user's id (superusers only); empty: your own token.",
    )
    reason = serializers.CharField(max_length=500)


class BodyFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Body.Kind.choices, required=False)
    process = id_field(required=False)
    territory = id_field(required=False)


class MembershipFilterSerializer(serializers.Serializer):
    body = id_field(required=False)
    person = id_field(required=False)
    current = serializers.BooleanField(required=False, allow_null=True, default=None)
