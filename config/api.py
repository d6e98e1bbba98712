"""The REST API under /api/v1/: routes, authentication, problem+json errors and the schema.

Every endpoint lives in its app's ``api`` module and is thin like a view: it parses input with a
serializer, calls a service or a selector and serialises the result. This module holds what they
share:

* errors as RFC 9457 ``application/problem+json`` in one place (:func:`exception_handler`), with
  the stable ``code`` of the ``ApplicationError`` family (``unmet_conditions`` with the list of
  conditions, ``conflict``, ``deadline_passed``, ``validation_error``, ``forbidden``,
  ``not_found``) and of the HTTP layer (``unauthenticated``, ``throttled``...);
* the OpenAPI schema (drf-spectacular) with those error responses documented on every operation,
  at ``/api/v1/schema/``, and Swagger UI at ``/api/v1/docs/``;
* small helpers the endpoints share: ids from the path, bounded dates, pagination.

Authentication: a per-user token (``Authorization: Token <key>``; issued, rotated and revoked by
``stakeholders.services_tokens``) for systems, the session (with CSRF) for the browser.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema, extend_schema_field
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions as drf_exceptions
from rest_framework import serializers, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback

from stakeholders.exceptions import ApplicationError, NotFound, ValidationFailed

PROBLEM_CONTENT_TYPE = "application/problem+json"
MAX_ID = 2**63 - 1  # the largest primary key a database can hold
# Dates the API accepts: wide enough for any plan, narrow enough that date arithmetic (the end of
# a day, a year's numbering) never leaves Python's calendar.
MIN_YEAR, MAX_YEAR = 1900, 2199


# --- problem details ------------------------------------------------------------------------


FAMILY_CODES = frozenset(
    {
        "unmet_conditions",
        "deadline_passed",
        "conflict",
        "validation_error",
        "forbidden",
        "not_found",
    }
)


def _family_code(exc: ApplicationError) -> str:
    """The stable code of the error's family: the nearest class in its hierarchy that declares
    one (``ConsultationClosed`` → ``deadline_passed``), else by the HTTP status."""
    for cls in type(exc).__mro__:
        declared = cls.__dict__.get("code")
        if declared in FAMILY_CODES:
            return declared
    by_status = {400: "validation_error", 403: "forbidden", 404: "not_found", 409: "conflict"}
    return by_status.get(exc.http_status, exc.code)


TITLES = {
    "unmet_conditions": "The step cannot be taken yet",
    "deadline_passed": "The deadline has passed",
    "conflict": "The state changed first",
    "validation_error": "The request is not valid",
    "forbidden": "Not allowed",
    "not_found": "Not found",
    "unauthenticated": "Authentication needed",
    "method_not_allowed": "Method not allowed",
    "not_acceptable": "Not acceptable",
    "unsupported_media_type": "Unsupported media type",
    "throttled": "Too many requests",
    "pdf_unavailable": "The PDF rendition is not available on this server",
    "conversion_failed": "The conversion failed",
    "integrity_problem": "The stored file does not match its checksum",
}


def problem(
    *,
    status: int,
    code: str,
    detail: str,
    request: Any = None,
    subcode: str = "",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """An RFC 9457 problem response: ``type``, ``title``, ``status``, ``detail``, ``instance``
    plus the stable ``code`` (and the specific ``subcode`` where the error names one)."""
    body: dict[str, Any] = {
        "type": f"urn:komplan:problem:{code}",
        "title": TITLES.get(code, code.replace("_", " ").capitalize()),
        "status": status,
        "detail": str(detail),
        "code": code,
    }
    if subcode and subcode != code:
        body["subcode"] = subcode
    if request is not None:
        body["instance"] = request.get_full_path()
    body.update({key: value for key, value in extra.items() if value is not None})
    return Response(body, status=status, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested serializer errors as {"field" or "list.0.field": [messages]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = "__all__" if key in ("non_field_errors", "__all__") else str(key)
            flat.update(_flatten(value, f"{prefix}.{name}" if prefix else name))
    elif isinstance(errors, list) and errors and all(isinstance(e, str) for e in errors):
        flat.setdefault(prefix or "__all__", []).extend(str(e) for e in errors)
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            if value:
                flat.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
    elif errors:
        flat.setdefault(prefix or "__all__", []).append(str(errors))
    return flat


def _application_problem(exc: ApplicationError, request: Any) -> Response:
    code = _family_code(exc)
    extra = dict(exc.extra)
    if isinstance(exc, ValidationFailed) and exc.errors:
        extra["errors"] = {
            field: [str(m) for m in (messages if isinstance(messages, list) else [messages])]
            for field, messages in exc.errors.items()
        }
    return problem(
        status=exc.http_status,
        code=code,
        detail=exc.message,
        request=request,
        subcode=exc.code,
        **extra,
    )


_DRF_CODES: tuple[tuple[type[drf_exceptions.APIException], str], ...] = (
    (drf_exceptions.NotAuthenticated, "unauthenticated"),
    (drf_exceptions.AuthenticationFailed, "unauthenticated"),
    (drf_exceptions.PermissionDenied, "forbidden"),
    (drf_exceptions.NotFound, "not_found"),
    (drf_exceptions.MethodNotAllowed, "method_not_allowed"),
    (drf_exceptions.NotAcceptable, "not_acceptable"),
    (drf_exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (drf_exceptions.Throttled, "throttled"),
    (drf_exceptions.ParseError, "validation_error"),
    (drf_exceptions.ValidationError, "validation_error"),
)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error of the API as problem+json; anything unexpected stays a 500 (and is logged)."""
    request = context.get("request")
    if isinstance(exc, ApplicationError):
        set_rollback()
        return _application_problem(exc, request)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    if not isinstance(exc, drf_exceptions.APIException):
        return None
    set_rollback()
    code = next((c for cls, c in _DRF_CODES if isinstance(exc, cls)), "error")
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if isinstance(exc, drf_exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, drf_exceptions.ValidationError):
        return problem(
            status=exc.status_code,
            code=code,
            detail=_("The request is not valid."),
            request=request,
            headers=headers,
            errors=_flatten(exc.detail),
        )
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return problem(
        status=exc.status_code,
        code=code,
        detail=detail,
        request=request,
        headers=headers,
        subcode="parse_error" if isinstance(exc, drf_exceptions.ParseError) else "",
    )


class UnmetConditionSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, with KomPlan's stable ``code``."""

    type = serializers.CharField(help_text="urn:komplan:problem:<code>")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(
        help_text="Stable: unmet_conditions, conflict, deadline_passed, validation_error, "
        "forbidden, not_found, unauthenticated, throttled, method_not_allowed..."
    )
    subcode = serializers.CharField(
        required=False, help_text="The specific error within the family, where there is one."
    )
    instance = serializers.CharField(required=False)
    conditions = UnmetConditionSerializer(
        many=True, required=False, help_text="With unmet_conditions: every reason, at once."
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="With validation_error: messages per field.",
    )


# --- schema -----------------------------------------------------------------------------------

ERROR_DESCRIPTIONS = {
    "400": "validation_error",
    "401": "unauthenticated",
    "403": "forbidden",
    "404": "not_found",
    "409": "conflict",
    "422": "unmet_conditions, deadline_passed or a refused upload",
    "429": "throttled",
}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema plus the problem+json error responses of every operation."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        problem_ref = self.resolve_serializer(ProblemSerializer, "response").ref
        codes = ["400", "401", "403", "404"]
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            codes += ["409", "422"]
        if self.method == "POST" and getattr(self.view, "throttled_operation", False):
            codes.append("429")
        for code in codes:
            responses.setdefault(
                code,
                {
                    "description": ERROR_DESCRIPTIONS[code],
                    "content": {PROBLEM_CONTENT_TYPE: {"schema": problem_ref}},
                },
            )
        return responses


def schema_postprocess(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """Ids in paths are positive 64-bit integers (matching what :func:`parse_id` accepts)."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    schema.update({"minimum": 1, "maximum": MAX_ID, "format": "int64"})
    return result


# --- shared helpers of the endpoints --------------------------------------------------------


def parse_id(value: Any, *, what: str = "") -> int:
    """A positive 64-bit id from a path or query, or NotFound (never a database overflow)."""
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        raise NotFound(what or _("Not found."))
    number = int(text)
    if not 1 <= number <= MAX_ID:
        raise NotFound(what or _("Not found."))
    return number


def one_of(queryset: Any, pk: int | None, message: str) -> Any:
    """The object with ``pk`` in a queryset (already filtered to what the caller may see), None
    for no id, NotFound when it is not there."""
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise NotFound(message)
    return found


def id_field(**kwargs: Any) -> serializers.IntegerField:
    """An id in a request body: a positive 64-bit integer."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise serializers.ValidationError(
            _("Give a year between %(min)s and %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR}
        )


class BoundedDateField(serializers.DateField):
    def to_internal_value(self, value: Any) -> dt.date:
        day = super().to_internal_value(value)
        _check_year(day.year)
        return day


@extend_schema_field({"type": "string", "format": "date-time"})
class BoundedDateTimeField(serializers.DateTimeField):
    def to_internal_value(self, value: Any) -> dt.datetime:
        moment = super().to_internal_value(value)
        _check_year(moment.year)
        return moment


class ReasonField(serializers.CharField):
    """The reason recorded in the history with the actor."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("max_length", 2000)
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("help_text", "Why: recorded in the history with the acting user.")
        super().__init__(**kwargs)


class OutputSerializer(serializers.ModelSerializer):
    """A read-only model serializer whose schema admits the empty value of optional choices."""

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[Any, Any]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if model_field.blank and field_class in (serializers.EmailField, serializers.URLField):
            field_class = serializers.CharField  # "" is no e-mail address or URL
        return field_class, kwargs

    def include_extra_kwargs(self, kwargs: dict[str, Any], extra_kwargs: Any) -> dict[str, Any]:
        allow_blank = kwargs.get("allow_blank")
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if allow_blank and "choices" in kwargs:
            kwargs["allow_blank"] = True
        return kwargs


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def validated(serializer_class: type[serializers.Serializer], request: Any) -> dict[str, Any]:
    """Parse a request body with an input serializer (400 validation_error when invalid)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def query_params(serializer_class: type[serializers.Serializer], request: Any) -> dict[str, Any]:
    """Parse query parameters with a serializer (400 validation_error when invalid)."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- Swagger UI -----------------------------------------------------------------------------

# Swagger UI is loaded from the CDN named in SPECTACULAR_SETTINGS["SWAGGER_UI_DIST"]; the
# site-wide Content-Security-Policy allows only 'self', so this one page widens it to that CDN
# (scripts, styles, the favicon) and to the page's own small inline style block.
SWAGGER_CDN = "https://cdn.jsdelivr.net"


class SwaggerView(SpectacularSwaggerSplitView):
    @extend_schema(exclude=True)
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        response._csp_update = {  # type: ignore[attr-defined]  (read by django-csp)
            "script-src": [SWAGGER_CDN],
            "style-src": [SWAGGER_CDN, "'unsafe-inline'"],
            "img-src": [SWAGGER_CDN],
        }
        return response


# --- the base of the endpoints ----------------------------------------------------------------


# The views name their schema class themselves: DEFAULT_SCHEMA_CLASS pointing here would make
# DRF import this module while it is still being imported (drf-spectacular reads the setting).


class ApiView(APIView):
    """A single endpoint that is not a view set (documented like the others)."""

    schema = ApiAutoSchema()


class ApiViewSet(viewsets.GenericViewSet):
    """A view set over a selector: ``get_queryset`` returns what the actor may see; an id that
    is not there (or not visible) is 404 ``not_found``."""

    not_found_message: Any = ""
    pagination_class = Pagination
    schema = ApiAutoSchema()

    def get_object(self) -> Any:
        pk = parse_id(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        obj = self.get_queryset().filter(pk=pk).first()
        if obj is None:
            raise NotFound(str(self.not_found_message or _("Not found.")))
        return obj

    def paginated(self, queryset: Any, serializer_class: type[serializers.BaseSerializer]) -> Any:
        page = self.paginate_queryset(queryset)
        data = serializer_class(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    def output(
        self, serializer_class: type[serializers.BaseSerializer], obj: Any, status: int = 200
    ) -> Response:
        return Response(
            serializer_class(obj, context=self.get_serializer_context()).data, status=status
        )


# --- routes -------------------------------------------------------------------------------------


def _app_urls() -> list[Any]:
    from documents.api import urlpatterns as document_urls
    from stakeholders.api import urlpatterns as stakeholder_urls
    from workflow.api import urlpatterns as workflow_urls

    return [*stakeholder_urls, *document_urls, *workflow_urls]


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(_app_urls())),
]
