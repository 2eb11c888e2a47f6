# SPDX-License-Identifier: MPL-2.0
"""Process definitions: the BPMN 2.0 files the catalogue names, parsed and checked here.

A procedure names its process in the catalogue (`workflow:`): one of the built-in files in
procedures/_workflows/ or a BPMN file of its own under procedures/. Every user task in a process
must be one civicloop knows how to complete (TASKS), because each is completed by one action in
civicloop.cases.actions, never by a generic "complete task" button. The catalogue owns the
definitions (this module); running instances belong to the cases app (civicloop.cases.workflow).

SpiffWorkflow evaluates gateway conditions as Python. The expressions come only from the BPMN
files in the catalogue, and the task data they read holds only values the case actions set from
fixed sets (ROUTES, APPROVAL_RESULTS, OUTCOMES): no text a resident or clerk typed is ever in it.
"""

import functools
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import UserTask

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
# The only values task data may hold, by key: what a gateway may branch on.
ROUTES = {"correction", "consult", "approve"}
APPROVAL_RESULTS = {"approved", "returned"}
OUTCOMES = {"approve", "reject", "accept"}

BUILTIN_DIR = Path(__file__).resolve().parent.parent.parent / "procedures" / "_workflows"


class WorkflowError(Exception):
    """A process file that cannot run here, or a step the process is not waiting for."""


class ProcessFile(NamedTuple):
    path: Path
    process_id: str


class SpecVersion(NamedTuple):
    """One version of a process file: what parsed specs (and anything worked out from them) are cached by."""

    path: str
    process_id: str
    mtime: float


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


def spec_version(name: str, root: Path | None = None) -> SpecVersion:
    """The current version of the file `name` names (WorkflowError or OSError when there is none)."""
    found = process_file(name, root)
    return SpecVersion(str(found.path), found.process_id, found.path.stat().st_mtime)


@functools.lru_cache(maxsize=64)
def parsed_spec(version: SpecVersion) -> Any:
    """The process spec of one file version, parsed once (the cache key carries the modification time)."""
    parser = BpmnParser()
    parser.add_bpmn_file(version.path)
    process_id = version.process_id
    if not process_id:
        ids = parser.get_process_ids()
        if len(ids) != 1:
            raise WorkflowError(f"{Path(version.path).name}: a procedure's own file must hold exactly one process")
        process_id = ids[0]
    return parser.get_spec(process_id)


def spec(name: str) -> Any:
    """The parsed process spec `name` names now, for a new instance (civicloop.cases.workflow.start)."""
    return parsed_spec(spec_version(name))


def check_process(name: str, root: Path | None = None) -> list[str]:
    """Problems that would stop `name` from running here; empty when it can run."""
    try:
        found = parsed_spec(spec_version(name, root))
    except (WorkflowError, ValidationException, OSError, ValueError) as exc:
        return [str(exc).splitlines()[0]]
    unknown = sorted(
        task.name for task in found.task_specs.values() if isinstance(task, UserTask) and task.name not in TASKS
    )
    if unknown:
        return [f"user tasks civicloop cannot complete: {', '.join(unknown)} (known: {', '.join(TASKS)})"]
    return []
