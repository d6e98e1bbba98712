"""Thin views of the ESF report (a process or a whole ESF project) and its exports, and the
superuser's download of everything held about one person."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stakeholders.exceptions import NotFound, PermissionDenied
from workflow import selectors_esf
from workflow.selectors_esf import EsfScope
from workflow.services import esf as esf_services
from workflow.services import gdpr


class EsfPeriodForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise forms.ValidationError(_("The end of the period must not precede its start."))
        return data


def _period(request: HttpRequest, scope: EsfScope) -> tuple[EsfPeriodForm, dt.date, dt.date]:
    """The period asked for, or the default (the project's whole duration)."""
    default_from, default_to = selectors_esf.esf_default_period(scope)
    if "date_from" in request.GET or "date_to" in request.GET:
        form = EsfPeriodForm(request.GET)
        if form.is_valid():
            return form, form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        return form, default_from, default_to
    form = EsfPeriodForm(initial={"date_from": default_from, "date_to": default_to})
    return form, default_from, default_to


def _report_page(request: HttpRequest, scope: EsfScope, export_url: str) -> HttpResponse:
    form, date_from, date_to = _period(request, scope)
    report = selectors_esf.esf_report(scope=scope, date_from=date_from, date_to=date_to)
    query = f"date_from={date_from.isoformat()}&date_to={date_to.isoformat()}"
    return render(
        request,
        "workflow/esf_report.html",
        {
            "scope": scope,
            "form": form,
            "report": report,
            "downloads": [
                (fmt.upper(), f"{export_url.replace('FMT', fmt)}?{query}")
                for fmt in esf_services.FORMATS
            ],
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


def _download(request: HttpRequest, scope: EsfScope, fmt: str) -> HttpResponse:
    form, date_from, date_to = _period(request, scope)
    if form.is_bound and not form.is_valid():
        return HttpResponse(_("Invalid period."), status=400, content_type="text/plain")
    export = esf_services.esf_report_export(
        actor=request.user, scope=scope, date_from=date_from, date_to=date_to, fmt=fmt
    )
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["X-Content-SHA256"] = export.sha256
    return response


@login_required
def process_report(request: HttpRequest, pk: int) -> HttpResponse:
    scope = selectors_esf.esf_scope_for_process(actor=request.user, pk=pk)
    url = reverse("esf:process_export", kwargs={"pk": pk, "fmt": "FMT"})
    return _report_page(request, scope, url)


@login_required
def process_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    scope = selectors_esf.esf_scope_for_process(actor=request.user, pk=pk)
    return _download(request, scope, fmt)


@login_required
def project_report(request: HttpRequest, pk: int) -> HttpResponse:
    scope = selectors_esf.esf_scope_for_project(actor=request.user, pk=pk)
    url = reverse("esf:project_export", kwargs={"pk": pk, "fmt": "FMT"})
    return _report_page(request, scope, url)


@login_required
def project_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    scope = selectors_esf.esf_scope_for_project(actor=request.user, pk=pk)
    return _download(request, scope, fmt)


@login_required
def person_data_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything held about one person as a JSON download; for superusers only."""
    if not request.user.is_superuser:
        raise PermissionDenied(_("Only a system administrator may export a person's data."))
    content = gdpr.person_data_export_json(actor=request.user, person_id=pk)
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="osoba-{int(pk)}.json"'
    return response


class PseudonymiseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (e.g. the request and its date)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


@login_required
def person_pseudonymise(request: HttpRequest, pk: int) -> HttpResponse:
    """Pseudonymise one person on request; the service checks who may and records why."""
    from stakeholders.models import Person

    person = Person.objects.filter(pk=pk).first()
    if person is None or not gdpr.can_manage_personal_data(request.user, person):
        raise NotFound(_("Person not found."))
    form = PseudonymiseForm(request.POST or None)
    result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            result = gdpr.person_pseudonymise(
                actor=request.user, person_id=pk, reason=form.cleaned_data["reason"]
            )
        else:
            status = 400
    return render(
        request,
        "workflow/person_pseudonymise.html",
        {"person": person, "form": form, "result": result},
        status=status,
    )
