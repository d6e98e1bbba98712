"""Thin views: parse input, call a selector or service, render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from stakeholders.selectors import body_list
from workflow.selectors import process_list


def home(request: HttpRequest) -> HttpResponse:
    """The start page: the processes and bodies the signed-in user may see."""
    processes = process_list(actor=request.user)
    bodies = body_list(actor=request.user).filter(process__isnull=True)
    return render(
        request,
        "workflow/home.html",
        {"processes": processes, "council_bodies": bodies},
    )
