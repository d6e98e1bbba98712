"""REST endpoints of documents and their versions: read, upload, edit or delete a draft,
submit, publish, download, and the PDF rendition of a published DOCX/ODT version.

Thin: the selectors filter what the caller may see (members of the process see every version;
anyone, without signing in, sees published versions of publishable documents), the services
check every permission and rule. A download re-checks the stored bytes against the recorded
sha256 and names it in ``Repr-Digest`` / ``Digest`` (base64) and ``X-Content-SHA256`` (hex).
The PDF rendition is converted by LibreOffice on first request; a server without it answers
503 ``pdf_unavailable`` (problem+json), as the web page answers 503.
Approving and returning a version need a steering-group decision: they are workflow endpoints
(``workflow.api``), as is registering a document in a process.
"""

from __future__ import annotations

import base64
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from config.api import (
    PROBLEM_CONTENT_TYPE,
    ApiViewSet,
    ProblemSerializer,
    ReasonField,
    id_field,
    one_of,
    parse_id,
    query_params,
    validated,
)
from documents import checks, selectors, services
from documents import serializers as s
from documents.exceptions import FeatureUnavailable
from documents.models import Document, DocumentVersion, GenerationJob
from documents.plan_selectors import generation_job_get
from documents.services.diff import version_diff
from documents.services.versions import VerifiedFile

DOWNLOAD_TYPES = sorted(checks.EXTENSIONS)


def digest_headers(sha256_hex: str) -> dict[str, str]:
    """The checksum of a representation: RFC 9530 ``Repr-Digest``, the older RFC 3230
    ``Digest`` and the hex ``X-Content-SHA256`` the web download also sends."""
    encoded = base64.b64encode(bytes.fromhex(sha256_hex)).decode()
    return {
        "Repr-Digest": f"sha-256=:{encoded}:",
        "Digest": f"SHA-256={encoded}",
        "X-Content-SHA256": sha256_hex,
    }


def file_response(verified: VerifiedFile) -> FileResponse:
    response = FileResponse(
        verified.file,
        as_attachment=True,
        filename=verified.filename,
        content_type=verified.content_type,
    )
    for header, value in digest_headers(verified.sha256).items():
        response[header] = value
    response["Content-Length"] = str(verified.size)
    response["Cache-Control"] = "private, no-store"
    return response


class VersionEditSerializer(serializers.Serializer):
    """What may still change on a draft: its summary of changes (its bytes never do; upload
    the next version instead)."""

    change_summary = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    reason = ReasonField()


class ReasonQuerySerializer(serializers.Serializer):
    reason = ReasonField(help_text="Why: recorded in the history with the acting user.")


class VersionDiffQuerySerializer(serializers.Serializer):
    against = id_field(help_text="The version to compare with (the older one, as a rule).")


class VersionDiffSerializer(serializers.Serializer):
    old = serializers.IntegerField(help_text="The version compared with (``against``).")
    new = serializers.IntegerField(help_text="This version.")
    html = serializers.CharField(
        help_text='One <p class="diff-same|diff-added|diff-removed|diff-changed"> per '
        "paragraph; all text escaped."
    )
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    identical = serializers.BooleanField()


PDF_UNAVAILABLE = "pdf_unavailable"


class _ReadsArePublic:
    """Reading is open to the anonymous public (the selectors show it published versions only);
    every change needs a signed-in user."""

    def get_permissions(self) -> list[Any]:
        if self.request.method in ("GET", "HEAD", "OPTIONS"):  # type: ignore[attr-defined]
            return [AllowAny()]
        return [IsAuthenticated()]


class DocumentViewSet(_ReadsArePublic, ApiViewSet):
    """Documents you may see: every document of your processes, and published ones."""

    queryset = Document.objects.none()
    serializer_class = s.DocumentSerializer
    not_found_message = gettext_lazy("Document not found.")

    def get_queryset(self) -> QuerySet[Document]:
        return selectors.document_list(actor=self.request.user).order_by("process_id", "pk")

    @extend_schema(parameters=[s.DocumentFilterSerializer])
    def list(self, request: Request) -> Response:
        filters = query_params(s.DocumentFilterSerializer, request)
        documents = self.get_queryset()
        if "process" in filters:
            documents = documents.filter(process_id=filters["process"])
        if "kind" in filters:
            documents = documents.filter(kind=filters["kind"])
        return self.paginated(documents, s.DocumentSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(s.DocumentSerializer, self.get_object())

    @extend_schema(responses=s.VersionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request: Request, pk: str) -> Response:
        """The versions of the document you may see, newest first."""
        document = self.get_object()
        versions = selectors.version_list(actor=request.user, document=document).order_by("-number")
        return Response(s.VersionSerializer(versions, many=True).data)

    @extend_schema(request=s.VersionUploadSerializer, responses={201: s.VersionSerializer})
    @versions.mapping.post
    def upload(self, request: Request, pk: str) -> Response:
        """Upload a file as the next draft version (multipart/form-data). The file is checked by
        content, size and structure before anything is stored; a refusal is 422."""
        document = self.get_object()
        data = validated(s.VersionUploadSerializer, request)
        upload = data["file"]
        version = services.version_upload(
            actor=request.user,
            document=document,
            stream=upload,
            filename=upload.name or "",
            change_summary=data["change_summary"],
            reason=data["reason"],
        )
        return self.output(s.VersionSerializer, version, status=201)

    def get_parsers(self) -> list[Any]:
        if getattr(self, "action", None) == "upload":
            return [MultiPartParser()]
        return super().get_parsers()


class VersionViewSet(_ReadsArePublic, ApiViewSet):
    queryset = DocumentVersion.objects.none()
    serializer_class = s.VersionSerializer
    not_found_message = gettext_lazy("Document version not found.")

    def get_queryset(self) -> QuerySet[DocumentVersion]:
        return selectors.version_list(actor=self.request.user)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.output(s.VersionSerializer, self.get_object())

    @extend_schema(request=VersionEditSerializer, responses=s.VersionSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        """Edit a draft's summary of changes (whoever may submit it); a submitted version is
        immutable: 409 ``conflict`` (subcode ``version_immutable``)."""
        version = self.get_object()
        data = validated(VersionEditSerializer, request)
        version = services.version_update_draft(
            actor=request.user,
            version=version,
            change_summary=data.get("change_summary", version.change_summary),
            reason=data["reason"],
        )
        return self.output(s.VersionSerializer, version)

    @extend_schema(parameters=[ReasonQuerySerializer], responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        """Delete a draft entered by mistake, with its file (the process's editors). A
        submitted version is a record: 409 ``conflict`` (subcode ``version_not_deletable``)."""
        version = self.get_object()
        query = query_params(ReasonQuerySerializer, request)
        services.version_delete_draft(actor=request.user, version=version, reason=query["reason"])
        return Response(status=204)

    @extend_schema(
        responses={
            (200, checks.PDF): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The PDF rendition as an attachment; its own sha256 in "
                "Repr-Digest, Digest and X-Content-SHA256.",
            ),
            (502, PROBLEM_CONTENT_TYPE): OpenApiResponse(
                ProblemSerializer, description="conversion_failed: LibreOffice produced no PDF."
            ),
            (503, PROBLEM_CONTENT_TYPE): OpenApiResponse(
                ProblemSerializer,
                description="pdf_unavailable: LibreOffice is not installed on this server.",
            ),
        }
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, pk: str) -> FileResponse:
        """The PDF rendition of a published DOCX or ODT version (whoever may see the version),
        converted once and re-checked against its own sha256. Not DOCX/ODT or not published:
        400 ``validation_error`` (subcode ``pdf_not_supported`` / ``pdf_not_published``)."""
        version = self.get_object()
        try:
            verified = services.version_pdf_open(actor=request.user, version=version)
        except FeatureUnavailable as exc:
            raise FeatureUnavailable(exc.message, code=PDF_UNAVAILABLE) from exc
        return file_response(verified)

    @extend_schema(
        parameters=[VersionDiffQuerySerializer],
        responses={
            200: VersionDiffSerializer,
            (503, PROBLEM_CONTENT_TYPE): OpenApiResponse(
                ProblemSerializer,
                description="The text of a PDF cannot be read on this server (no pdftotext).",
            ),
        },
    )
    @action(detail=True, methods=["get"])
    def diff(self, request: Request, pk: str) -> Response:
        """Compare this version with another version of the same document (``against``),
        paragraph by paragraph: the differences as escaped HTML (``<ins>``, ``<del>``) with
        counts. DOCX, ODT and PDF; another kind or another document: 400."""
        version = self.get_object()
        query = query_params(VersionDiffQuerySerializer, request)
        other = one_of(self.get_queryset(), query["against"], _("Document version not found."))
        result = version_diff(actor=request.user, old=other, new=version)
        data = {
            "old": other.pk,
            "new": version.pk,
            "html": str(result.html),
            "added": result.added,
            "removed": result.removed,
            "changed": result.changed,
            "unchanged": result.unchanged,
            "identical": result.is_identical,
        }
        return Response(VersionDiffSerializer(data).data)

    @extend_schema(
        responses={
            (200, media_type): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file as an attachment; its sha256 in Repr-Digest, Digest "
                "and X-Content-SHA256.",
            )
            for media_type in DOWNLOAD_TYPES
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str) -> FileResponse:
        """The version's bytes, re-checked against the recorded sha256 before they are sent."""
        version = self.get_object()
        return file_response(services.version_open(actor=request.user, version=version))

    @extend_schema(request=s.ReasonSerializer, responses=s.VersionSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Submit a draft for approval; from now on its bytes never change."""
        version = self.get_object()
        data = validated(s.ReasonSerializer, request)
        version = services.version_submit(actor=request.user, version=version, **data)
        return self.output(s.VersionSerializer, version)

    @extend_schema(request=s.ReasonSerializer, responses=s.VersionSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        """Publish an approved version (the coordinator); the published one before it is
        superseded."""
        version = self.get_object()
        data = validated(s.ReasonSerializer, request)
        version = services.version_publish(actor=request.user, version=version, **data)
        return self.output(s.VersionSerializer, version)


class GenerationJobViewSet(ApiViewSet):
    """Generation requests and their progress (requested under ``/processes/{id}/``)."""

    queryset = GenerationJob.objects.none()
    serializer_class = s.GenerationJobSerializer

    def retrieve(self, request: Request, pk: str) -> Response:
        job = generation_job_get(actor=request.user, pk=parse_id(pk))
        return self.output(s.GenerationJobSerializer, job)


router = SimpleRouter()
router.register("documents", DocumentViewSet, basename="document")
router.register("versions", VersionViewSet, basename="version")
router.register("generation-jobs", GenerationJobViewSet, basename="generation-job")

urlpatterns = router.urls
