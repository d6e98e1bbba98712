"""Thin views of documents: parse input, call a selector or service, render or serve the file.

Domain errors map to HTTP statuses in ``_refusal`` (404 for what the user may not see, 403 for an
action they may not take, 409/422 for state and validation, 500 for an integrity problem, 503 for
a feature whose program is not installed). Files are served as attachments with their sha256.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from documents import permissions, selectors, services
from documents.services.versions import VerifiedFile
from documents.upload_handlers import upload_size_capped
from stakeholders.exceptions import ApplicationError


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"), allow_empty_file=True)
    change_summary = forms.CharField(
        label=_("Summary of changes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


def _refusal(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    return render(
        request,
        "documents/refusal.html",
        {"message": error.message, "code": error.code},
        status=error.http_status,
    )


def _serve(verified: VerifiedFile) -> FileResponse:
    response = FileResponse(
        verified.file,
        as_attachment=True,
        filename=verified.filename,
        content_type=verified.content_type,
    )
    response["X-Content-SHA256"] = verified.sha256
    response["Content-Length"] = str(verified.size)
    response["Cache-Control"] = "private, no-store"
    return response


def _detail_context(request: HttpRequest, document: Any, form: UploadForm | None) -> dict:
    versions = list(selectors.version_list(actor=request.user, document=document))
    # Newest first; each row links to the comparison with the version before it.
    rows = [(v, versions[i + 1] if i + 1 < len(versions) else None) for i, v in enumerate(versions)]
    return {
        "document": document,
        "rows": rows,
        "form": form,
        "can_upload": permissions.can_upload_version(request.user, document),
    }


@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        document = selectors.document_get(actor=request.user, pk=pk)
    except ApplicationError as error:
        return _refusal(request, error)
    return render(
        request,
        "documents/document_detail.html",
        _detail_context(request, document, UploadForm()),
    )


def _upload_too_large(request: HttpRequest, error: ApplicationError, pk: int) -> HttpResponse:
    """The document page again with the refusal; the oversized body was never read."""
    try:
        document = selectors.document_get(actor=request.user, pk=pk)
    except ApplicationError as refusal:
        return _refusal(request, refusal)
    context = {**_detail_context(request, document, UploadForm()), "refusal": error.message}
    return render(request, "documents/document_detail.html", context, status=error.http_status)


@require_http_methods(["POST"])
@upload_size_capped(_upload_too_large)
def version_upload(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        document = selectors.document_get(actor=request.user, pk=pk)
    except ApplicationError as error:
        return _refusal(request, error)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        context = _detail_context(request, document, form)
        return render(request, "documents/document_detail.html", context, status=400)
    upload = form.cleaned_data["file"]
    try:
        services.version_upload(
            actor=request.user,
            document=document,
            stream=upload,
            filename=upload.name or "",
            change_summary=form.cleaned_data["change_summary"],
        )
    except ApplicationError as error:
        form.add_error("file", error.message)
        context = {**_detail_context(request, document, form), "refusal": error.message}
        return render(request, "documents/document_detail.html", context, status=error.http_status)
    return redirect("documents:document_detail", pk=document.pk)


@require_GET
def version_download(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        version = selectors.version_get(actor=request.user, pk=pk)
        return _serve(services.version_open(actor=request.user, version=version))
    except ApplicationError as error:
        return _refusal(request, error)


@require_GET
def version_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        version = selectors.version_get(actor=request.user, pk=pk)
        return _serve(services.version_pdf_open(actor=request.user, version=version))
    except ApplicationError as error:
        return _refusal(request, error)


@require_GET
def version_diff(request: HttpRequest, old: int, new: int) -> HttpResponse:
    try:
        old_version = selectors.version_get(actor=request.user, pk=old)
        new_version = selectors.version_get(actor=request.user, pk=new)
        result = services.version_diff(actor=request.user, old=old_version, new=new_version)
    except ApplicationError as error:
        return _refusal(request, error)
    return render(
        request,
        "documents/version_diff.html",
        {"old": old_version, "new": new_version, "diff": result},
    )
