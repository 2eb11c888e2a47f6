# SPDX-License-Identifier: MPL-2.0
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from civicloop.catalog.models import Procedure
from civicloop.core.api_errors import ApiError
from civicloop.core.text import UNUSABLE_TEXT, has_unusable_character

router = Router()


class ProcedureOut(Schema):
    code: str
    name_ja: str
    name_en: str
    department: str
    kind: str
    version: int
    allows_guest: bool
    standard_processing_days: int
    day_kind: str
    life_events: list[str]


class ProcedureDetailOut(ProcedureOut):
    summary: dict[str, str]
    legal_basis: dict[str, str]
    fees: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    form_schema: dict[str, Any]
    steps: list[dict[str, Any]]


def _out(procedure: Procedure) -> dict[str, Any]:
    version = procedure.current_version
    assert version is not None
    definition = version.definition
    return {
        "code": procedure.code,
        "name_ja": version.name_ja,
        "name_en": version.name_en,
        "department": procedure.department.code,
        "kind": version.kind,
        "version": version.number,
        "allows_guest": version.allows_guest,
        "standard_processing_days": definition["processing"]["days"],
        "day_kind": definition["processing"]["day_kind"],
        "life_events": definition["life_events"],
    }


@router.get("", response=list[ProcedureOut], summary="List published procedures")
def list_procedures(
    request: HttpRequest, q: str = "", department: str = "", life_event: str = ""
) -> list[dict[str, Any]]:
    if has_unusable_character(q, department, life_event):
        raise ApiError(400, "unusable_text", detail=str(UNUSABLE_TEXT))
    procedures = Procedure.objects.published().select_related("current_version", "department").search(q[:100])
    if department:
        procedures = procedures.filter(department__code=department)
    if life_event:
        procedures = procedures.filter(life_events__code=life_event)
    return [_out(p) for p in procedures.distinct()]


@router.get("/{code}", response=ProcedureDetailOut, summary="One procedure with its form schema")
def get_procedure(request: HttpRequest, code: str) -> dict[str, Any]:
    procedure = get_object_or_404(
        Procedure.objects.published().select_related("current_version", "department"), code=code
    )
    assert procedure.current_version is not None
    definition = procedure.current_version.definition
    return {
        **_out(procedure),
        "summary": definition["summary"],
        "legal_basis": definition["legal_basis"],
        "fees": definition["fees"],
        "attachments": definition["attachments"],
        "form_schema": definition["form"]["schema"],
        "steps": definition["form"]["steps"],
    }
