# SPDX-License-Identifier: MPL-2.0
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from civicloop.accounts.models import Department
from civicloop.catalog import spelling
from civicloop.catalog.definition import Definition
from civicloop.catalog.models import LifeEvent, Procedure
from civicloop.catalog.related import related_procedures
from civicloop.core.text import UNUSABLE_TEXT, has_unusable_character, without_unusable_characters

_PROCEDURE_FIELDS = ("current_version", "department")


def home(request: HttpRequest) -> HttpResponse:
    published = Q(procedures__is_active=True, procedures__current_version__isnull=False)
    return render(
        request,
        "catalog/home.html",
        {
            "life_events": LifeEvent.objects.annotate(n=Count("procedures", filter=published))
            .filter(n__gt=0)
            .order_by("sort_order", "code"),
            "departments": Department.objects.annotate(n=Count("procedures", filter=published))
            .filter(n__gt=0)
            .order_by("sort_order", "code"),
        },
    )


def procedure_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    department_code, life_event_code = request.GET.get("department", ""), request.GET.get("life_event", "")
    if has_unusable_character(query, department_code, life_event_code):
        return _unusable_search(request, query)
    procedures = Procedure.objects.published().select_related(*_PROCEDURE_FIELDS).search(query)
    department = life_event = None
    if code := department_code:
        department = Department.objects.filter(code=code).first()
        procedures = procedures.filter(department__code=code)
    if code := life_event_code:
        life_event = LifeEvent.objects.filter(code=code).first()
        procedures = procedures.filter(life_events__code=code)
    procedures = procedures.distinct()
    # Only a search that found nothing gets a 「もしかして」; a filter that found nothing has no typo.
    suggestion = spelling.suggest(query) if query and not procedures.exists() else None
    return render(
        request,
        "catalog/procedure_list.html",
        {
            "procedures": procedures,
            "query": query,
            "suggestion": suggestion,
            "department": department,
            "life_event": life_event,
            **_browse(),
        },
    )


def _browse() -> dict[str, Any]:
    return {
        "departments": Department.objects.filter(procedures__is_active=True).distinct(),
        "life_events": LifeEvent.objects.all(),
    }


def _unusable_search(request: HttpRequest, query: str) -> HttpResponse:
    """400: the search box again, without the character and with what is wrong; no list."""
    return render(
        request,
        "catalog/procedure_list.html",
        {"query": without_unusable_characters(query), "search_error": UNUSABLE_TEXT, **_browse()},
        status=400,
    )


def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    procedure = get_object_or_404(Procedure.objects.published().select_related(*_PROCEDURE_FIELDS), code=code)
    version = procedure.current_version
    assert version is not None
    definition = Definition(version.definition)
    return render(
        request,
        "catalog/procedure_detail.html",
        {
            "procedure": procedure,
            "version": version,
            "definition": definition,
            "fees": version.definition["fees"],
            "processing": version.definition["processing"],
            "related": related_procedures(procedure),
        },
    )
