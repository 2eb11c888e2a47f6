# SPDX-License-Identifier: MPL-2.0
"""Typed reading of a frozen procedure definition (what one ProcedureVersion holds)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from civicloop.catalog.formschema import condition_holds


@dataclass(frozen=True)
class Step:
    id: str
    title: dict[str, str]
    intro: dict[str, str]
    fields: list[str]
    when: dict[str, Any] | None

    def title_in(self, english: bool) -> str:
        return self.title["en" if english else "ja"]

    def intro_in(self, english: bool) -> str:
        return self.intro.get("en" if english else "ja", "")


@dataclass(frozen=True)
class AttachmentRule:
    code: str
    label: dict[str, str]
    help: dict[str, str]
    required: bool
    when: dict[str, Any] | None
    types: list[str]
    max_files: int
    max_mb: int

    def label_in(self, english: bool) -> str:
        return self.label["en" if english else "ja"]

    def help_in(self, english: bool) -> str:
        return self.help.get("en" if english else "ja", "")

    def applies(self, answers: Mapping[str, Any]) -> bool:
        return condition_holds(self.when, answers)


class Definition:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.schema: dict[str, Any] = data["form"]["schema"]
        self.steps = [
            Step(s["id"], s["title"], s.get("intro", {}), list(s["fields"]), s.get("when"))
            for s in data["form"]["steps"]
        ]
        self.attachments = [
            AttachmentRule(
                a["code"],
                a["label"],
                a.get("help", {}),
                a["required"],
                a.get("when"),
                a["types"],
                a["max_files"],
                a["max_mb"],
            )
            for a in data["attachments"]
        ]

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def visible_steps(self, answers: Mapping[str, Any]) -> list[Step]:
        return [s for s in self.steps if condition_holds(s.when, answers)]

    def attachment(self, code: str) -> AttachmentRule | None:
        return next((a for a in self.attachments if a.code == code), None)

    def applicable_attachments(self, answers: Mapping[str, Any]) -> list[AttachmentRule]:
        return [a for a in self.attachments if a.applies(answers)]

    def prune(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Drop the answers of steps the resident no longer sees (a proxy step after choosing 本人)."""
        hidden = {name for s in self.steps if s not in self.visible_steps(answers) for name in s.fields}
        return {k: v for k, v in answers.items() if k not in hidden}
