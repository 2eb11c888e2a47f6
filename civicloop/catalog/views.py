# SPDX-License-Identifier: MPL-2.0
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject

from civicloop.accounts.models import Department
from civicloop.catalog import spelling, versioned_cache
from civicloop.catalog.cards import cards
from civicloop.catalog.definition import Definition
from civicloop.catalog.models import LifeEvent, Procedure
from civicloop.catalog.related import related_links
from civicloop.core.language import is_english
from civicloop.core.text import UNUSABLE_TEXT, has_unusable_character, without_unusable_characters

_PROCEDURE_FIELDS = ("current_version", "department")


def home(request: HttpRequest) -> HttpResponse:
    # Lazy: with the page's fragment in the catalogue cache the queries are neither built nor run.
    return render(
        request,
        "catalog/home.html",
        {"life_events": SimpleLazyObject(_life_events_in_use), "departments": SimpleLazyObject(_departments_in_use)},
    )


_PUBLISHED = Q(procedures__is_active=True, procedures__current_version__isnull=False)


def _life_events_in_use() -> list[LifeEvent]:
    return list(
        LifeEvent.objects.annotate(n=Count("procedures", filter=_PUBLISHED))
        .filter(n__gt=0)
        .order_by("sort_order", "code")
    )


def _departments_in_use() -> list[Department]:
    return list(
        Department.objects.annotate(n=Count("procedures", filter=_PUBLISHED))
        .filter(n__gt=0)
        .order_by("sort_order", "code")
    )


def procedure_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    department_code, life_event_code = request.GET.get("department", ""), request.GET.get("life_event", "")
    if has_unusable_character(query, department_code, life_event_code):
        return _unusable_search(request, query)
    department = _catalogue_row(Department, department_code) if department_code else None
    life_event = _catalogue_row(LifeEvent, life_event_code) if life_event_code else None
    # A link to a department or life event that is not in the catalogue (mistyped, or an old
    # bookmark) is not found, as an unknown procedure's page is: not "all procedures", empty.
    if (department_code and department is None) or (life_event_code and life_event is None):
        raise Http404
    # A filter by a department or life event is one of a few dozen lists, the same for everyone
    # until the catalogue changes: its HTML is cached (versioned_cache). A search's free text is
    # not shared; what it finds is kept in this process only (`_found_codes`).
    cache_results = not query
    found = SimpleLazyObject(  # not read when the list is cached
        lambda: cards(_found_codes(query, department_code, life_event_code))
    )
    # Only a search that found nothing gets a 「もしかして」; a filter that found nothing has no typo.
    suggestion = spelling.suggest(query) if query and not found else None
    return render(
        request,
        "catalog/procedure_list.html",
        {
            "procedures": found,
            "query": query,
            "suggestion": suggestion,
            "department": department,
            "life_event": life_event,
            "cache_results": cache_results,
            **_browse(),
        },
    )


def _catalogue_row(model: type[Department] | type[LifeEvent], code: str) -> Any:
    """A department or life event by its code, kept per catalogue version like the lists it filters."""
    return versioned_cache.remember(model.__name__, (code,), lambda: model.objects.filter(code=code).first())


def _found_codes(query: str, department_code: str, life_event_code: str) -> Sequence[str]:
    """The codes of the published procedures a search and its filters find, in the catalogue's order."""
    token = versioned_cache.version()
    if token is None:  # the catalogue cache is off
        return _search(query, department_code, life_event_code)
    return _search_kept(token, query, department_code, life_event_code)


def _search(query: str, department_code: str, life_event_code: str) -> tuple[str, ...]:
    procedures = Procedure.objects.published().search(query)
    if department_code:
        procedures = procedures.filter(department__code=department_code)
    if life_event_code:
        procedures = procedures.filter(life_events__code=life_event_code)
    return tuple(procedures.distinct().values_list("code", flat=True))


# What visitors type is kept in this process only, the least recently asked out first: free text
# must neither fill the shared cache nor push the catalogue's fragments out of it. Under a new
# catalogue version (the token is part of the key) every search is made afresh.
@functools.lru_cache(maxsize=1024)
def _search_kept(token: str, query: str, department_code: str, life_event_code: str) -> tuple[str, ...]:
    return _search(query, department_code, life_event_code)


def _browse() -> dict[str, Any]:
    # Lazy: read only when the Browse fragment is not in the catalogue cache.
    return {
        "departments": SimpleLazyObject(lambda: list(Department.objects.filter(procedures__is_active=True).distinct())),
        "life_events": SimpleLazyObject(lambda: list(LifeEvent.objects.all())),
    }


def _unusable_search(request: HttpRequest, query: str) -> HttpResponse:
    """400: the search box again, without the character and with what is wrong; no list."""
    return render(
        request,
        "catalog/procedure_list.html",
        {"query": without_unusable_characters(query), "search_error": UNUSABLE_TEXT, **_browse()},
        status=400,
    )


@dataclass(frozen=True)
class ProcedurePage:
    """What a procedure's page shows outside its cached fragments: the same for every visitor."""

    code: str
    name_ja: str
    name_en: str
    allows_guest: bool

    @property
    def name(self) -> str:
        return self.name_en if is_english() else self.name_ja


def _procedure_page(code: str) -> ProcedurePage | None:
    fields = ("code", "current_version__name_ja", "current_version__name_en", "current_version__allows_guest")
    row = Procedure.objects.published().filter(code=code).values_list(*fields).first()
    return ProcedurePage(*row) if row else None


def _published_procedure(code: str) -> Procedure:
    return get_object_or_404(Procedure.objects.published().select_related(*_PROCEDURE_FIELDS), code=code)


def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    page = versioned_cache.remember("procedure-page", (code,), functools.partial(_procedure_page, code))
    if page is None:
        raise Http404
    # The procedure, its definition and related list are read only when the template renders a
    # fragment that is not in the catalogue cache (versioned_cache): most views read none of them.
    procedure = cast(Procedure, SimpleLazyObject(functools.partial(_published_procedure, code)))
    version = SimpleLazyObject(lambda: procedure.current_version)
    return render(
        request,
        "catalog/procedure_detail.html",
        {
            "page": page,
            "procedure": procedure,
            "version": version,
            "definition": SimpleLazyObject(lambda: Definition(version.definition)),
            "fees": SimpleLazyObject(lambda: version.definition["fees"]),
            "processing": SimpleLazyObject(lambda: version.definition["processing"]),
            "related": functools.partial(related_links, procedure),
        },
    )
