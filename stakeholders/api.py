"""REST endpoints of stakeholders: who I am, API tokens, reference data, people, organisations,
bodies and memberships. Thin: parse, call a selector or service, serialise.

What each role sees is the selectors' business: bodies a membership grants ``view_body`` on,
their memberships and members (``stakeholders.selectors``). Territories, target groups and
organisations are reference data that every signed-in user reads (as in the administration);
systems find them with filters (a territory by kind, code or name, or those the caller takes
part in; an organisation by kind, IČO, territory or name).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from config.api import ApiView, ApiViewSet, id_field, one_of, query_params, validated
from stakeholders import selectors, services, services_tokens
from stakeholders import serializers as s
from stakeholders.models import Body, Membership, Organization, Person, TargetGroup, Territory

# --- reference data -----------------------------------------------------------------------------


def _target_groups() -> QuerySet[TargetGroup]:
    return TargetGroup.objects.order_by("order", "name", "pk")


class TerritoryFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Territory.Kind.choices, required=False)
    code = serializers.CharField(
        max_length=32, required=False, help_text="The official code (ČSÚ / RÚIAN), exactly."
    )
    search = serializers.CharField(
        max_length=100, required=False, help_text="Part of the name, or the exact code."
    )
    mine = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Only territories where you see a body (a council body of the territory or "
        "a body of one of its processes).",
    )


class OrganizationFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Organization.Kind.choices, required=False)
    ico = serializers.CharField(max_length=8, required=False, help_text="The IČO, exactly.")
    territory = id_field(required=False, help_text="The territory of operation.")
    search = serializers.CharField(
        max_length=100,
        required=False,
        help_text="Part of the name, or the exact IČO or provider registry id.",
    )


class MeView(ApiView):
    """The signed-in user (the owner of the token)."""

    @extend_schema(responses=s.MeSerializer)
    def get(self, request: Request) -> Response:
        user = request.user
        person = selectors.person_list(actor=user).filter(user=user).first()
        data = {
            "id": user.pk,
            "username": user.get_username(),
            "is_superuser": user.is_superuser,
            "person": person,
        }
        return Response(s.MeSerializer(data).data)


class TokenViewSet(ApiViewSet):
    """API tokens: issue (or rotate) and revoke; one token per user."""

    @extend_schema(request=s.TokenRequestSerializer, responses={201: s.IssuedTokenSerializer})
    def create(self, request: Request) -> Response:
        """Issue a new token for yourself (or, as a superuser, for another user); the previous
        token stops working. The key is in this response only."""
        data = validated(s.TokenRequestSerializer, request)
        issued = services_tokens.api_token_issue(
            actor=request.user, user_id=data["user"], reason=data["reason"]
        )
        return self.output(s.IssuedTokenSerializer, issued, status=201)

    @extend_schema(request=s.TokenRequestSerializer, responses={204: None})
    @action(detail=False, methods=["post"])
    def revoke(self, request: Request) -> Response:
        """Revoke your token (or, as a superuser, another user's) at once."""
        data = validated(s.TokenRequestSerializer, request)
        services_tokens.api_token_revoke(
            actor=request.user, user_id=data["user"], reason=data["reason"]
        )
        return Response(status=204)


class TerritoryViewSet(ApiViewSet):
    """Territories (reference data for every signed-in user), by name."""

    queryset = Territory.objects.none()
    serializer_class = s.TerritorySerializer
    not_found_message = gettext_lazy("Territory not found.")

    def get_queryset(self) -> QuerySet[Territory]:
        return selectors.territory_list(actor=self.request.user)

    @extend_schema(parameters=[TerritoryFilterSerializer])
    def list(self, request: Request) -> Response:
        filters = query_params(TerritoryFilterSerializer, request)
        territories = selectors.territory_list(actor=request.user, **filters)
        return self.paginated(territories, s.TerritorySerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(s.TerritorySerializer, self.get_object())

    @extend_schema(request=s.TerritoryCreateSerializer, responses={201: s.TerritorySerializer})
    def create(self, request: Request) -> Response:
        """Create a territory (superusers)."""
        data = validated(s.TerritoryCreateSerializer, request)
        territory = services.territory_create(actor=request.user, **data)
        return self.output(s.TerritorySerializer, territory, status=201)


class TargetGroupViewSet(ApiViewSet):
    queryset = TargetGroup.objects.none()
    serializer_class = s.TargetGroupSerializer

    def get_queryset(self) -> QuerySet[TargetGroup]:
        return _target_groups()

    def list(self, request: Request) -> Response:
        return self.paginated(self.get_queryset(), s.TargetGroupSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(s.TargetGroupSerializer, self.get_object())

    @extend_schema(request=s.TargetGroupCreateSerializer, responses={201: s.TargetGroupSerializer})
    def create(self, request: Request) -> Response:
        """Create a target group (superusers)."""
        data = validated(s.TargetGroupCreateSerializer, request)
        group = services.target_group_create(actor=request.user, **data)
        return self.output(s.TargetGroupSerializer, group, status=201)


class OrganizationViewSet(ApiViewSet):
    """Organisations (reference data for every signed-in user), by name."""

    queryset = Organization.objects.none()
    serializer_class = s.OrganizationSerializer
    not_found_message = gettext_lazy("Organisation not found.")

    def get_queryset(self) -> QuerySet[Organization]:
        return selectors.organization_list(actor=self.request.user)

    @extend_schema(parameters=[OrganizationFilterSerializer])
    def list(self, request: Request) -> Response:
        filters = query_params(OrganizationFilterSerializer, request)
        filters["territory_id"] = filters.pop("territory", None)
        organizations = selectors.organization_list(actor=request.user, **filters)
        return self.paginated(organizations, s.OrganizationSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(s.OrganizationSerializer, self.get_object())

    @extend_schema(
        request=s.OrganizationCreateSerializer, responses={201: s.OrganizationSerializer}
    )
    def create(self, request: Request) -> Response:
        """Register an organisation (any signed-in user); the IČO is checked."""
        data = validated(s.OrganizationCreateSerializer, request)
        data["territory"] = one_of(
            selectors.territory_list(actor=request.user),
            data["territory"],
            _("Territory not found."),
        )
        organization = services.organization_create(actor=request.user, **data)
        return self.output(s.OrganizationSerializer, organization, status=201)


class PersonViewSet(ApiViewSet):
    """People who sit in a body you may see, yourself, and the records you entered."""

    queryset = Person.objects.none()
    serializer_class = s.PersonSerializer
    not_found_message = gettext_lazy("Person not found.")

    def get_queryset(self) -> QuerySet[Person]:
        return selectors.person_list(actor=self.request.user).order_by(
            "last_name", "first_name", "pk"
        )

    def list(self, request: Request) -> Response:
        return self.paginated(self.get_queryset(), s.PersonSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(s.PersonSerializer, self.get_object())

    @extend_schema(request=s.PersonCreateSerializer, responses={201: s.PersonSerializer})
    def create(self, request: Request) -> Response:
        """Enter a person (any signed-in user); link a login with ``/people/{id}/user/``."""
        data = validated(s.PersonCreateSerializer, request)
        data["organization"] = one_of(
            selectors.organization_list(actor=request.user),
            data["organization"],
            _("Organisation not found."),
        )
        person = services.person_create(actor=request.user, **data)
        return self.output(s.PersonSerializer, person, status=201)

    @extend_schema(request=s.PersonLinkUserSerializer, responses={200: s.PersonSerializer})
    @action(detail=True, methods=["post"])
    def user(self, request: Request, pk: str) -> Response:
        """Link the person to a user account (or unlink); the permissions follow (superusers)."""
        person = self.get_object()
        data = validated(s.PersonLinkUserSerializer, request)
        # Who may link accounts is decided before an account id is looked up, so that the
        # answer never tells others which user ids exist.
        services.require_superuser(request.user, _("user accounts"))
        user = None
        if data["user"] is not None:
            user = one_of(get_user_model().objects.all(), data["user"], _("User not found."))
        person = services.person_link_user(
            actor=request.user, person=person, user=user, reason=data["reason"]
        )
        return self.output(s.PersonSerializer, person)


class BodyViewSet(ApiViewSet):
    """Bodies you may see: those of your processes, and the council bodies you serve."""

    queryset = Body.objects.none()
    serializer_class = s.BodySerializer
    not_found_message = gettext_lazy("Body not found.")

    def get_queryset(self) -> QuerySet[Body]:
        return selectors.body_list(actor=self.request.user).order_by("kind", "name", "pk")

    @extend_schema(parameters=[s.BodyFilterSerializer])
    def list(self, request: Request) -> Response:
        filters = query_params(s.BodyFilterSerializer, request)
        bodies = self.get_queryset()
        if "kind" in filters:
            bodies = bodies.filter(kind=filters["kind"])
        if "process" in filters:
            bodies = bodies.filter(process_id=filters["process"])
        if "territory" in filters:
            bodies = bodies.filter(territory_id=filters["territory"])
        return self.paginated(bodies, s.BodySerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(s.BodySerializer, self.get_object())

    @extend_schema(request=s.TerritoryBodyCreateSerializer, responses={201: s.BodySerializer})
    def create(self, request: Request) -> Response:
        """Create a council body or secretariat of a territory (superusers)."""
        data = validated(s.TerritoryBodyCreateSerializer, request)
        territory = one_of(
            selectors.territory_list(actor=request.user),
            data["territory"],
            _("Territory not found."),
        )
        body = services.body_create(
            actor=request.user,
            kind=data["kind"],
            name=data["name"],
            territory=territory,
            reason=data["reason"],
            **s.BodyRulesSerializer().rules(data),
        )
        return self.output(s.BodySerializer, body, status=201)


class MembershipViewSet(ApiViewSet):
    """Memberships of the bodies you may see, and your own."""

    queryset = Membership.objects.none()
    serializer_class = s.MembershipSerializer
    not_found_message = gettext_lazy("Membership not found.")

    def get_queryset(self) -> QuerySet[Membership]:
        return selectors.membership_list(actor=self.request.user).order_by("body_id", "role", "pk")

    @extend_schema(parameters=[s.MembershipFilterSerializer])
    def list(self, request: Request) -> Response:
        filters = query_params(s.MembershipFilterSerializer, request)
        memberships = self.get_queryset()
        if "body" in filters:
            memberships = memberships.filter(body_id=filters["body"])
        if "person" in filters:
            memberships = memberships.filter(person_id=filters["person"])
        if filters.get("current") is True:
            memberships = memberships.current()
        return self.paginated(memberships, s.MembershipSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(s.MembershipSerializer, self.get_object())

    @extend_schema(request=s.MembershipCreateSerializer, responses={201: s.MembershipSerializer})
    def create(self, request: Request) -> Response:
        """Appoint a person to a body; their permissions follow at once (the coordinator of the
        body's process, or superusers)."""
        data = validated(s.MembershipCreateSerializer, request)
        body = one_of(
            selectors.body_list(actor=request.user), data.pop("body"), _("Body not found.")
        )
        person = one_of(
            selectors.person_list(actor=request.user), data.pop("person"), _("Person not found.")
        )
        membership = services.membership_create(
            actor=request.user, person=person, body=body, **data
        )
        return self.output(s.MembershipSerializer, membership, status=201)

    @extend_schema(request=s.MembershipEndSerializer, responses={200: s.MembershipSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        """End a membership now; the permissions it granted are revoked at once."""
        membership = self.get_object()
        data = validated(s.MembershipEndSerializer, request)
        membership = services.membership_end(
            actor=request.user,
            membership=membership,
            reason=data["reason"],
            ended_on=data["ended_on"],
        )
        return self.output(s.MembershipSerializer, membership)


router = SimpleRouter()
router.register("tokens", TokenViewSet, basename="token")
router.register("territories", TerritoryViewSet, basename="territory")
router.register("target-groups", TargetGroupViewSet, basename="target-group")
router.register("organisations", OrganizationViewSet, basename="organisation")
router.register("people", PersonViewSet, basename="person")
router.register("bodies", BodyViewSet, basename="body")
router.register("memberships", MembershipViewSet, basename="membership")

urlpatterns = [path("me/", MeView.as_view(), name="me"), *router.urls]
