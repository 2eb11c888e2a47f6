# SPDX-License-Identifier: MPL-2.0
"""Running BPMN 2.0 process instances (SpiffWorkflow); their state persists with the case.

The definitions — which file a procedure names, parsing and checking it, the user tasks civicloop
can complete and the values a gateway may branch on — belong to the catalogue
(civicloop.catalog.process). Here: starting an instance, completing its user tasks, and saving
and loading it with the case.
"""

import functools
import gzip
import re
import time
import uuid
from typing import Any, NamedTuple

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.util.task import TaskState

from civicloop.catalog import process
from civicloop.catalog.process import APPROVAL_RESULTS, OUTCOMES, ROUTES, WorkflowError

# Still imported from here by civicloop/analytics/tests/test_step_times.py, which this change leaves
# to the analytics work; new code imports TASKS from civicloop.catalog.process.
from civicloop.catalog.process import TASKS as TASKS

_serializer = BpmnWorkflowSerializer()


def start(name: str, data: dict[str, Any]) -> BpmnWorkflow:
    """A new instance of the process, run up to its first user task."""
    workflow = BpmnWorkflow(process.spec(name))
    workflow.data.update(data)
    workflow.do_engine_steps()
    return workflow


def first_tasks(name: str) -> list[str]:
    """The user tasks a new instance of `name` waits on first (what `waiting_for(start(name, {}))` gives).

    Worked out once per file version: a process started with no data reaches its first user task
    the same way every time. A case opens at that step; its instance is started after the
    submission commits (cases.consumer), or by its first step at the latest.
    """
    return list(_first_tasks(process.spec_version(name)))


@functools.lru_cache(maxsize=64)
def _first_tasks(version: process.SpecVersion) -> tuple[str, ...]:
    workflow = BpmnWorkflow(process.parsed_spec(version))
    workflow.do_engine_steps()
    return tuple(waiting_for(workflow))


def started_state(name: str) -> tuple[bytes, list[str]]:
    """What `dump(start(name, {}))` gives, and what `waiting_for` it, without running the engine.

    The relay starts one instance per new case (cases.consumer), always with no data, so every new
    instance of a file version is the same but for its ids and clock: the serialized first
    instance is kept per version, cut where those are, and each call fills in fresh task and
    instance ids (uuid4, as SpiffWorkflow does) and the current time of each state change. About
    a quarter of running the engine and serializing (bench/README.md, "Where the time goes").
    """
    template = _started_template(process.spec_version(name))
    fresh = [str(uuid.uuid4()) for _ in range(template.ids)]
    now = repr(time.time())
    parts: list[str] = []
    for literal, slot in zip(template.literals, template.slots, strict=False):
        parts += (literal, now if slot == _NOW else fresh[slot])
    parts.append(template.literals[-1])
    return gzip.compress("".join(parts).encode(), compresslevel=5), list(template.waiting)


class _Template(NamedTuple):
    literals: tuple[str, ...]  # the text between the slots (one more than slots)
    slots: tuple[int, ...]  # which fresh id goes in each gap, or _NOW
    ids: int
    waiting: tuple[str, ...]


_NOW = -1
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# The ids and times in a serialized instance: the only parts two new instances of one file differ by.
_RENEWED = re.compile(r'(?<="last_state_change": )-?[0-9.e+-]+|' + _UUID.pattern)


@functools.lru_cache(maxsize=64)
def _started_template(version: process.SpecVersion) -> _Template:
    """One new instance serialized and cut at its times and at the ids a second new instance does not share."""
    first, second = (BpmnWorkflow(process.parsed_spec(version)) for _ in range(2))
    for workflow in (first, second):
        workflow.do_engine_steps()
    text = _serializer.serialize_json(first)
    shared = set(_UUID.findall(_serializer.serialize_json(second)))
    numbered: dict[str, int] = {}
    literals, slots, at = [], [], 0
    for match in _RENEWED.finditer(text):
        found = match.group(0)
        if _UUID.fullmatch(found):
            if found in shared:
                continue
            slot = numbered.setdefault(found, len(numbered))
        else:
            slot = _NOW
        literals.append(text[at : match.start()])
        slots.append(slot)
        at = match.end()
    literals.append(text[at:])
    return _Template(tuple(literals), tuple(slots), len(numbered), tuple(waiting_for(first)))


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
