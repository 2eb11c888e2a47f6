# SPDX-License-Identifier: MPL-2.0
"""`manage.py generate_cases`: realistic cases at scale through PostgreSQL COPY."""

import re
from collections import Counter
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from civicloop.accounts.models import User
from civicloop.applications.models import Application, StatusChange
from civicloop.cases.models import Case, CorrectionRequest
from civicloop.catalog.formschema import validate
from civicloop.core.models import Classification, Event

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
RANK = {Classification.OFFICIAL: 0, Classification.SECRET: 1, Classification.TOP_SECRET: 2}


def generate(**options: Any) -> None:
    call_command("generate_cases", **{"jobs": 0, "no_vacuum": True, "verbosity": 0, **options})


def schema_objects() -> set[tuple[str, str]]:
    """Every index and constraint on the tables the generator loads, by table and name."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT tablename, indexname FROM pg_indexes
            WHERE tablename IN ('cases_case', 'applications_application', 'core_event', 'accounts_user')
            UNION SELECT conrelid::regclass::text, conname FROM pg_constraint
            WHERE conrelid::regclass::text IN ('cases_case', 'applications_application', 'core_event', 'accounts_user')
            """
        )
        return set(cursor.fetchall())


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the refusal is for other databases")
def test_it_refuses_a_database_without_copy(catalog: None) -> None:
    with pytest.raises(CommandError, match="PostgreSQL"):
        generate(cases=10)
    assert not Case.objects.exists()


@postgres_only
def test_it_names_an_unknown_department_and_writes_nothing(catalog: None) -> None:
    with pytest.raises(CommandError, match="nowhere"):
        generate(cases=10, departments="seiso,nowhere")
    assert not Case.objects.exists()


@postgres_only
def test_each_case_has_a_submitted_application_whose_answers_fit_its_form(catalog: None) -> None:
    # given / when
    generate(cases=400, residents=60, seed=7)
    # then
    cases = list(Case.objects.select_related("application__procedure_version__procedure", "department"))
    assert len(cases) == 400
    for case in cases:
        application = case.application
        assert application.procedure_version.procedure.department_id == case.department_id
        assert application.submitted_at == case.arrived_at
        assert re.fullmatch(r"\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", application.receipt_number or "")
        assert validate(application.procedure_version.definition["form"]["schema"], application.answers) == {}
        assert application.classification == case.classification
        assert application.applicant is None or application.applicant.is_resident
    assert len({c.application.receipt_number for c in cases}) == 400
    assert User.objects.filter(kind=User.Kind.RESIDENT).count() == 60


@postgres_only
def test_states_are_consistent_and_assignees_are_cleared_for_their_cases(catalog: None) -> None:
    generate(cases=1500, seed=11)
    cases = list(Case.objects.select_related("application", "assignee"))
    tiers = Counter(c.classification for c in cases)
    # 80/15/5, the seed's reference distribution, within sampling noise
    assert 0.75 < tiers[Classification.OFFICIAL] / 1500 < 0.85
    assert 0.11 < tiers[Classification.SECRET] / 1500 < 0.19
    assert 0.02 < tiers[Classification.TOP_SECRET] / 1500 < 0.08
    for case in cases:
        if case.status == Case.Status.NEW:
            assert case.assignee is None and case.application.status == Application.Status.SUBMITTED
            continue
        assert case.assignee is not None and case.assignee.is_staff_member
        assert case.assignee.departments.filter(pk=case.department_id).exists()
        assert RANK[Classification(case.assignee.clearance)] >= RANK[Classification(case.classification)]
        assert (case.status == Case.Status.CLOSED) == (case.closed_at is not None)
    assert Counter(c.status for c in cases)[Case.Status.CLOSED] > 1000  # three years back: most are done
    open_corrections = CorrectionRequest.objects.filter(resolved_at__isnull=True).count()
    assert open_corrections == Case.objects.filter(status=Case.Status.CORRECTION).count()


@postgres_only
def test_history_and_events_follow_each_case(catalog: None) -> None:
    generate(cases=200, seed=5, jobs=1)  # rows built in a worker process, as by default
    case = Case.objects.filter(status=Case.Status.CLOSED).select_related("application").first()
    assert case is not None
    types = set(Event.objects.filter(subject=f"case/{case.public_id}").values_list("type", flat=True))
    assert {"jp.lg.civicloop.case.opened", "jp.lg.civicloop.case.claimed"} <= types
    assert types & {"jp.lg.civicloop.case.decided", "jp.lg.civicloop.case.withdrawn"}
    assert Event.objects.filter(subject=f"application/{case.application.public_id}").count() == 1
    history = list(StatusChange.objects.filter(application=case.application).values_list("status", flat=True))
    assert history[0] == Application.Status.SUBMITTED and history[-1] == case.application.status


@postgres_only
def test_a_second_run_adds_to_the_first_and_the_schema_is_as_migrations_left_it(catalog: None) -> None:
    # given: the first run rebuilds indexes and keys (the tables grow), the second updates them in place
    before = schema_objects()
    generate(cases=150, seed=1)
    generate(cases=50, seed=2, departments="seiso")
    # then
    assert schema_objects() == before
    assert Case.objects.count() == 200
    assert Case.objects.filter(department__code="seiso").count() >= 50
    # the sequences moved past the generated ids, so the app's own inserts still work
    user = User.objects.create(username="after-generation", kind=User.Kind.RESIDENT)
    assert user.pk > User.objects.exclude(pk=user.pk).order_by("-pk").values_list("pk", flat=True)[0]
