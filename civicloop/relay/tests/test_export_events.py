# SPDX-License-Identifier: MPL-2.0
"""`manage.py export_events`: CloudEvents lines, OCEL 2.0 JSON, filters, and the export policy."""

import json
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from civicloop.accounts.models import Department, Role, User
from civicloop.core.models import AuditEntry, Classification, Event
from civicloop.relay import ocel
from civicloop.relay.sequence import assign_positions

pytestmark = pytest.mark.django_db

SCHEMA = json.loads((Path(__file__).parent / "ocel20_schema.json").read_text())
PM4PY_PYTHON = Path("/tmp/pm4py-venv/bin/python")
APP = "3d0e5f7a-0000-4000-8000-000000000001"
CASE = "9b1c2d3e-0000-4000-8000-000000000002"
TASK = "7a7a7a7a-0000-4000-8000-000000000003"
DOC = "d0c0d0c0-0000-4000-8000-000000000004"
T0 = datetime(2026, 4, 1, 0, 0, tzinfo=timezone.get_fixed_timezone(0))


def event(short: str, subject: str, data: dict[str, Any], minutes: int, tier: str = "OFFICIAL") -> Event:
    """An outbox row as record() writes it (written directly: other apps' subscribers stay out)."""
    return Event.objects.create(
        source="urn:lg:131130",
        type=f"jp.lg.civicloop.{short}",
        subject=subject,
        time=T0 + timedelta(minutes=minutes),
        data=data,
        classification=tier,
    )


@pytest.fixture
def history(db: None) -> list[Event]:
    """One case's life: submitted, opened, a task, an approval step, the document; plus noise."""
    rows = [
        event("application.submitted", f"application/{APP}", {"procedure": "sodai-gomi", "department": "seiso"}, 0),
        event("case.opened", f"case/{CASE}", {"application": APP, "department": "seiso", "procedure": "sodai-gomi"}, 1),
        event(
            "case.task_completed",
            f"case/{CASE}",
            {
                "task_id": TASK,
                "task": "review",
                "outcome": "done",
                "department": "seiso",
                "procedure": "sodai-gomi",
                "started_at": (T0 + timedelta(minutes=1)).isoformat(),
                "duration_s": 3540.5,
                "next": "approval",
            },
            60,
        ),
        event(
            "case.approval_step",
            f"case/{CASE}",
            {"level": "kacho", "outcome": "approved", "proxy": False, "waited_s": 120, "department": "seiso"},
            62,
        ),
        event("document.issued", f"document/{DOC}", {"case": CASE, "kind": "decision", "sha256": "ab" * 32}, 63),
        event("resident.registered", "user/someone", {"issuer": "https://idp"}, 64),
        event("case.decided", f"case/{CASE}", {"outcome": "approve", "department": "seiso"}, 65, "SECRET"),
        event("case.opened", "case/other", {"application": "x", "department": "fukushi"}, 66, "TOP_SECRET"),
        event("case.opened", "case/hoiku-1", {"application": "y", "department": "hoiku"}, 67),
    ]
    assign_positions()
    return rows


def export(tmp_path: Path, fmt: str, *args: str) -> Path:
    out = tmp_path / f"events.{fmt}"
    call_command("export_events", "--format", fmt, "--output", str(out), *args)
    return out


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def staff(
    username: str, *, roles: list[str] | None = None, clearance: str = "OFFICIAL", depts: tuple[str, ...] = ()
) -> User:
    user = User.objects.create(username=username, kind=User.Kind.STAFF, roles=roles or [], clearance=clearance)
    for code in depts:
        user.departments.add(
            Department.objects.get_or_create(code=code, defaults={"name_ja": code, "name_en": code})[0]
        )
    return user


def test_cloudevents_are_one_envelope_per_line_in_time_order(tmp_path: Path, history: list[Event]) -> None:
    got = lines(export(tmp_path, "cloudevents"))
    official = [e for e in history if e.classification == "OFFICIAL"]
    assert [line["id"] for line in got] == [str(e.pk) for e in official]
    for line, row in zip(got, official, strict=True):
        row.refresh_from_db()
        assert line == {**row.as_cloudevent(), "sequence": str(row.position)}
    assert got[0]["specversion"] == "1.0" and got[0]["classification"] == "OFFICIAL"


def test_ocel_is_a_valid_ocel_2_document_with_objects_and_qualified_relationships(
    tmp_path: Path, history: list[Event]
) -> None:
    # when
    ocel = json.loads(export(tmp_path, "ocel").read_text())
    # then it matches the OCEL 2.0 JSON schema, and every reference resolves
    jsonschema.Draft202012Validator(SCHEMA).validate(ocel)
    objects = {o["id"]: o for o in ocel["objects"]}
    declared = {t["name"]: {a["name"]: a["type"] for a in t["attributes"]} for t in ocel["eventTypes"]}
    object_types = {t["name"] for t in ocel["objectTypes"]}
    assert object_types == {"application", "case", "task", "document"}
    for item in ocel["events"]:
        datetime.fromisoformat(item["time"])
        assert all(r["objectId"] in objects for r in item["relationships"])
        assert {a["name"] for a in item["attributes"]} <= set(declared[item["type"]])
    for obj in ocel["objects"]:
        assert obj["type"] in object_types
        assert all(r["objectId"] in objects for r in obj["relationships"])
    # the case's story, with the objects each step touched
    by_type: dict[str, dict[str, Any]] = {}
    for item in ocel["events"]:
        by_type.setdefault(item["type"], item)
    assert list(by_type) == [
        "application.submitted",
        "case.opened",
        "case.task_completed:review",
        "case.approval_step",
        "document.issued",
    ]  # resident.registered concerns no process object; SECRET and TOP SECRET are not exported
    assert by_type["case.opened"]["relationships"] == [
        {"objectId": f"case/{CASE}", "qualifier": "subject"},
        {"objectId": f"application/{APP}", "qualifier": "application"},
    ]
    assert {"objectId": f"task/{TASK}", "qualifier": "task_id"} in by_type["case.task_completed:review"][
        "relationships"
    ]
    assert {"objectId": f"case/{CASE}", "qualifier": "case"} in by_type["document.issued"]["relationships"]
    assert declared["case.task_completed:review"]["duration_s"] == "float"
    assert declared["case.task_completed:review"]["started_at"] == "time"
    assert declared["case.approval_step"]["proxy"] == "boolean"
    assert objects[f"task/{TASK}"]["attributes"][0] == {
        "name": "task",
        "time": by_type["case.task_completed:review"]["time"],
        "value": "review",
    }
    assert objects[f"case/{CASE}"]["relationships"] == [
        {"objectId": f"application/{APP}", "qualifier": "application"},
        {"objectId": f"task/{TASK}", "qualifier": "task_id"},
    ]
    assert objects[f"document/{DOC}"]["relationships"] == [{"objectId": f"case/{CASE}", "qualifier": "case"}]


@pytest.mark.skipif(not PM4PY_PYTHON.exists(), reason="pm4py's throwaway venv (/tmp/pm4py-venv) is not there")
def test_the_ocel_file_loads_in_pm4py(tmp_path: Path, history: list[Event]) -> None:
    path = export(tmp_path, "ocel")
    script = (
        "import sys, pm4py; o = pm4py.read_ocel2_json(sys.argv[1]);"
        "print(len(o.events), len(o.objects), len(o.relations), len(o.o2o))"
    )
    command = [str(PM4PY_PYTHON), "-c", script, str(path)]
    out = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603 - our own file
    assert out.stdout.split() == ["6", "6", "10", "4"]  # events, objects, event-object and object-object links


def test_since_and_type_narrow_the_export(tmp_path: Path, history: list[Event]) -> None:
    got = lines(export(tmp_path, "cloudevents", "--since", "2026-04-01T10:02", "--type", "case.*"))
    # 10:02 Japan time is 01:02 UTC: the approval step (01:02) and the hoiku case (01:07)
    assert [line["type"] for line in got] == ["jp.lg.civicloop.case.approval_step", "jp.lg.civicloop.case.opened"]
    got = lines(export(tmp_path, "cloudevents", "--type", "jp.lg.civicloop.document.issued", "--type", "case.opened"))
    assert [line["subject"] for line in got] == [f"case/{CASE}", f"document/{DOC}", "case/hoiku-1"]


def test_a_bad_since_is_refused_and_the_earlier_file_stays(tmp_path: Path, history: list[Event]) -> None:
    out = tmp_path / "events.cloudevents"
    out.write_text("earlier export\n")
    with pytest.raises(CommandError, match="not a date"):
        call_command("export_events", "--format", "cloudevents", "--output", str(out), "--since", "yesterday")
    assert out.read_text() == "earlier export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["events.cloudevents"]


def test_a_missing_output_folder_is_a_clear_error(tmp_path: Path, history: list[Event]) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        call_command("export_events", "--format", "ocel", "--output", str(tmp_path / "no" / "x.json"))


def test_the_system_export_is_official_only_and_cannot_include_classified(tmp_path: Path, history: list[Event]) -> None:
    assert {line["classification"] for line in lines(export(tmp_path, "cloudevents"))} == {"OFFICIAL"}
    with pytest.raises(CommandError, match="administrator"):
        export(tmp_path, "cloudevents", "--include-classified")


def test_an_administrator_may_include_secret_up_to_their_clearance_but_never_top_secret(
    tmp_path: Path, history: list[Event]
) -> None:
    staff("admin-secret", roles=[Role.ADMINISTRATOR], clearance="TOP_SECRET")
    staff("admin-official", roles=[Role.ADMINISTRATOR])
    got = lines(export(tmp_path, "cloudevents", "--as-user", "admin-secret", "--include-classified"))
    assert {line["classification"] for line in got} == {"OFFICIAL", "SECRET"}
    got = lines(export(tmp_path, "cloudevents", "--as-user", "admin-official", "--include-classified"))
    assert {line["classification"] for line in got} == {"OFFICIAL"}
    entry = AuditEntry.objects.filter(action="events.export", actor="admin-secret").get()
    assert entry.classification == Classification.SECRET
    assert entry.data["events"] == 8 and entry.data["tiers"] == ["OFFICIAL", "SECRET"]


def test_staff_who_are_not_administrators_cannot_include_classified(tmp_path: Path, history: list[Event]) -> None:
    staff("cleared-clerk", clearance="SECRET", depts=("seiso",))
    with pytest.raises(CommandError, match="not an administrator"):
        export(tmp_path, "cloudevents", "--as-user", "cleared-clerk", "--include-classified")


def test_a_department_member_exports_only_events_that_name_their_department(
    tmp_path: Path, history: list[Event]
) -> None:
    staff("hoiku-clerk", depts=("hoiku",))
    staff("auditor", roles=[Role.AUDITOR])
    got = lines(export(tmp_path, "cloudevents", "--as-user", "hoiku-clerk"))
    assert [line["subject"] for line in got] == ["case/hoiku-1"]
    assert len(lines(export(tmp_path, "cloudevents", "--as-user", "auditor"))) == 7


@pytest.mark.parametrize("who", ["resident", "nobody"])
def test_residents_and_unknown_users_cannot_export(tmp_path: Path, history: list[Event], who: str) -> None:
    User.objects.create(username="resident", kind=User.Kind.RESIDENT)
    with pytest.raises(CommandError):
        export(tmp_path, "cloudevents", "--as-user", who)
    assert not AuditEntry.objects.filter(action="events.export").exists()


def test_every_export_is_on_the_audit_chain(tmp_path: Path, history: list[Event]) -> None:
    export(tmp_path, "ocel", "--type", "case.*")
    entry = AuditEntry.objects.get(action="events.export")
    assert (entry.actor, entry.object_id, entry.classification) == ("system", "ocel", "OFFICIAL")
    assert entry.data["events"] == 4 and entry.data["types"] == ["case.*"]


def test_ocel_is_the_same_when_its_objects_are_sorted_on_disk_in_many_runs(
    tmp_path: Path, history: list[Event], monkeypatch: pytest.MonkeyPatch
) -> None:
    in_memory = json.loads(export(tmp_path, "ocel").read_text())
    monkeypatch.setattr(ocel, "RUN_LINES", 2)  # every two facts go to a sorted file of their own
    merged = json.loads(export(tmp_path, "ocel").read_text())
    assert merged == in_memory
    assert len(merged["objects"]) == 6
    assert list(tmp_path.iterdir()) == [tmp_path / "events.ocel"]  # the work files are gone
