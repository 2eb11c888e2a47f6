# SPDX-License-Identifier: MPL-2.0
"""The life-event bundle as the resident sees it: what follows a submission, and what was prefilled.

A bundle is a submitted application whose procedure declares `follow_ups` (catalog.followups)
and the drafts started from it (`Application.follows`). The figures come from the
`application.prefilled` events, which record what each draft was given when it started.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from civicloop.applications.models import Application
from civicloop.catalog import followups
from civicloop.catalog.definition import Definition
from civicloop.catalog.models import LifeEvent, Procedure, ProcedureVersion
from civicloop.catalog.prefill import Identity, Sourced, prefill
from civicloop.core.language import is_english
from civicloop.core.models import Event

PREFILLED = "jp.lg.civicloop.application.prefilled"


@dataclass(frozen=True)
class Item:
    """One procedure of the bundle: why it is offered, how much it fills, and its draft if started."""

    code: str
    name: str
    reason: str
    inputs: int  # filled when started (from its event), or what starting it would fill
    application: Application | None


@dataclass(frozen=True)
class Bundle:
    trigger: Application
    life_event: str
    items: list[Item]

    @property
    def started(self) -> list[Item]:
        return [i for i in self.items if i.application is not None]

    @property
    def not_started(self) -> list[Item]:
        return [i for i in self.items if i.application is None]

    @property
    def prefilled_inputs(self) -> int:
        return sum(i.inputs for i in self.started)


def _preview(follow_up: followups.FollowUp, trigger: Application, version: ProcedureVersion) -> int:
    schema = Definition(version.definition).schema
    carried = followups.carry_over(follow_up, trigger.answers, schema)
    identity = Identity.of(trigger.applicant)
    from_sign_in = prefill(schema, {}, identity) if identity else {}
    return followups.count_inputs({**from_sign_in, **carried})


def bundle_of(trigger: Application) -> Bundle | None:
    """The bundle `trigger` starts (None when its procedure declares no follow-ups or it is a draft)."""
    spec = followups.declared(trigger.procedure_version.definition)
    if spec is None or trigger.is_draft:
        return None
    procedures = {
        p.code: p
        for p in Procedure.objects.published()
        .select_related("current_version")
        .filter(code__in=[f.code for f in spec.follow_ups])
    }
    started = {
        a.procedure_version.procedure.code: a for a in trigger.followers.select_related("procedure_version__procedure")
    }
    recorded = _recorded_inputs(started.values())
    items = []
    for follow_up in spec.follow_ups:
        procedure = procedures.get(follow_up.code)
        application = started.get(follow_up.code)
        if procedure is None or procedure.current_version is None:
            continue
        inputs = (
            recorded.get(application.pk, 0) if application else _preview(follow_up, trigger, procedure.current_version)
        )
        version = application.procedure_version if application else procedure.current_version
        items.append(Item(follow_up.code, version.name, follow_up.reason, inputs, application))
    return Bundle(trigger, _life_event_name(spec.life_event), items)


def _recorded_inputs(applications: Any) -> dict[int, int]:
    by_subject = {f"application/{a.public_id}": a.pk for a in applications}
    if not by_subject:
        return {}
    rows = Event.objects.filter(type=PREFILLED, subject__in=list(by_subject)).values_list("subject", "data")
    return {by_subject[subject]: int(data.get("fields", 0)) for subject, data in rows}


def _life_event_name(code: str) -> str:
    event = LifeEvent.objects.filter(code=code).first()
    if event is None:
        return code
    return event.name_en if is_english() else event.name_ja


def carried_paths(application: Application, answers: Mapping[str, Any]) -> Sourced:
    """Which of a draft's answers still hold what its bundle's first application carried over."""
    trigger = application.follows
    if trigger is None:
        return Sourced()
    spec = followups.declared(trigger.procedure_version.definition)
    follow_up = spec.get(application.procedure_version.procedure.code) if spec else None
    if follow_up is None:
        return Sourced()
    schema = Definition(application.procedure_version.definition).schema
    roots, inputs = followups.still_carried(followups.carry_over(follow_up, trigger.answers, schema), answers)
    return Sourced(roots, inputs)
