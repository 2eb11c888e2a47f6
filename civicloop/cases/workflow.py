# SPDX-License-Identifier: MPL-2.0
"""BPMN 2.0 processes run by SpiffWorkflow; their state persists with the case.

A procedure names its process in the catalogue (`workflow:`): one of the built-in files in
procedures/_workflows/ or a BPMN file of its own under procedures/. Every user task in a process
must be one civicloop knows how to complete (TASKS), because each is completed by one action in
civicloop.cases.actions, never by a generic "complete task" button.

SpiffWorkflow evaluates gateway conditions as Python. The expressions come only from the BPMN
files in the catalogue, and the task data they read holds only values our own actions set from
fixed sets (ROUTES, APPROVAL_RESULTS, OUTCOMES): no text a resident or clerk typed is ever in it.
"""

import functools
import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.defaults import UserTask
from SpiffWorkflow.util.task import TaskState

# The user tasks civicloop can complete, with their names for people.
TASKS = {
    "intake": ("受付", "Intake"),
    "inspection": ("現地調査", "On-site inspection"),
    "review": ("審査", "Review"),
    "correction": ("補正", "Correction by the resident"),
    "consultation": ("合議", "Consultation"),
    "approval": ("決裁", "Approval"),
    "fee": ("手数料納付", "Fee payment"),
    "notify": ("結果通知", "Result"),
}
ROUTES = {"correction", "consult", "approve"}
APPROVAL_RESULTS = {"approved", "returned"}
OUTCOMES = {"approve", "reject", "accept"}

BUILTIN_DIR = Path(__file__).resolve().parent.parent.parent / "procedures" / "_workflows"
_serializer = BpmnWorkflowSerializer()


class WorkflowError(Exception):
    """A process file that cannot run here, or a step the process is not waiting for."""


@dataclass(frozen=True)
class ProcessFile:
    path: Path
    process_id: str


def process_file(name: str, root: Path | None = None) -> ProcessFile:
    """The BPMN file a catalogue `workflow:` value names (a built-in name or a path under procedures/)."""
    builtin = BUILTIN_DIR / f"{name}.bpmn"
    if builtin.is_file():
        return ProcessFile(builtin, name)
    root = Path(root or settings.PROCEDURES_DIR).resolve()
    path = (root / name).resolve()
    if root not in path.parents or not path.is_file() or path.suffix != ".bpmn":
        raise WorkflowError(f"{name!r} is neither a built-in process nor a .bpmn file under procedures/")
    return ProcessFile(path, "")


def check_process(name: str, root: Path | None = None) -> list[str]:
    """Problems that would stop `name` from running here; empty when it can run."""
    try:
        spec = _spec(*_key(name, root))
    except (WorkflowError, ValidationException, OSError, ValueError) as exc:
        return [str(exc).splitlines()[0]]
    unknown = sorted(
        task.name for task in spec.task_specs.values() if isinstance(task, UserTask) and task.name not in TASKS
    )
    if unknown:
        return [f"user tasks civicloop cannot complete: {', '.join(unknown)} (known: {', '.join(TASKS)})"]
    return []


def _key(name: str, root: Path | None = None) -> tuple[str, str, float]:
    found = process_file(name, root)
    return str(found.path), found.process_id, found.path.stat().st_mtime


@functools.lru_cache(maxsize=64)
def _spec(path: str, process_id: str, mtime: float) -> Any:
    """Parsed once per file version (the cache key carries the modification time)."""
    parser = BpmnParser()
    parser.add_bpmn_file(path)
    if not process_id:
        ids = parser.get_process_ids()
        if len(ids) != 1:
            raise WorkflowError(f"{Path(path).name}: a procedure's own file must hold exactly one process")
        process_id = ids[0]
    return parser.get_spec(process_id)


def start(name: str, data: dict[str, Any]) -> BpmnWorkflow:
    """A new instance of the process, run up to its first user task."""
    workflow = BpmnWorkflow(_spec(*_key(name)))
    workflow.data.update(data)
    workflow.do_engine_steps()
    return workflow


def first_tasks(name: str) -> list[str]:
    """The user tasks a new instance of `name` waits on first (what `waiting_for(start(name, {}))` gives).

    Worked out once per file version: a process started with no data reaches its first user task
    the same way every time. A case opens at that step; its instance is started after the
    submission commits (cases.consumer), or by its first step at the latest.
    """
    return list(_first_tasks(*_key(name)))


@functools.lru_cache(maxsize=64)
def _first_tasks(path: str, process_id: str, mtime: float) -> tuple[str, ...]:
    workflow = BpmnWorkflow(_spec(path, process_id, mtime))
    workflow.do_engine_steps()
    return tuple(waiting_for(workflow))


def dump(workflow: BpmnWorkflow) -> bytes:
    """The whole instance (spec included, so a changed file never disturbs a running case), gzipped."""
    return gzip.compress(_serializer.serialize_json(workflow).encode(), compresslevel=5)


def load(state: bytes | memoryview) -> BpmnWorkflow:
    return _serializer.deserialize_json(gzip.decompress(bytes(state)).decode())


def waiting_for(workflow: BpmnWorkflow) -> list[str]:
    """The user tasks the process is waiting on, by id (one at a time in the shipped processes)."""
    return [task.task_spec.name for task in workflow.get_tasks(state=TaskState.READY, manual=True)]


def complete(workflow: BpmnWorkflow, task_name: str, **data: str) -> list[str]:
    """Complete the waiting user task `task_name` with `data`; returns what the process waits on next."""
    for key, value in data.items():
        allowed = {"route": ROUTES, "approval": APPROVAL_RESULTS, "outcome": OUTCOMES}.get(key)
        if allowed is None or value not in allowed:
            raise WorkflowError(f"{key}={value!r} is not a value a process may branch on")
    ready = workflow.get_tasks(state=TaskState.READY, manual=True, spec_name=task_name)
    if not ready:
        raise WorkflowError(f"the process is not waiting for {task_name!r} (waiting for: {waiting_for(workflow)})")
    task = ready[0]
    task.data.update(data)
    task.run()
    workflow.do_engine_steps()
    return waiting_for(workflow)
