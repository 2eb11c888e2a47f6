# SPDX-License-Identifier: MPL-2.0
"""Route a file of inquiries: reads {"id", "text"} lines, writes {"id", "department", "confidence", "top3"}."""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicloop.intelligence import routing, training

BATCH = 500


class Command(BaseCommand):
    help = "Route inquiries from a JSON-lines file with the active model; malformed lines are reported and skipped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, type=Path, help='JSON lines: {"id": ..., "text": ...}')
        parser.add_argument("--output", required=True, type=Path, help="JSON lines, one per accepted input line")

    def handle(self, *args: Any, **options: Any) -> None:
        model = routing.active_model()
        if model is None:
            raise CommandError("no routing model is trained yet: run `python manage.py train_routing_model`")
        router = routing.router_for(model)
        try:
            source = options["input"].open("rb")
        except OSError as exc:
            raise CommandError(f"cannot read {options['input']}: {exc.strerror}") from exc
        written = skipped = 0
        with source, options["output"].open("w", encoding="utf-8") as out:
            batch: list[tuple[Any, str]] = []
            for number, raw in enumerate(source, start=1):
                parsed = _parse(raw, number)
                if parsed is None:
                    skipped += 1
                    continue
                batch.append(parsed)
                if len(batch) >= BATCH:
                    written += _write(router, batch, out)
                    batch = []
            written += _write(router, batch, out)
        self.stderr.write(f"routed {written} inquiries with model v{model.version}; skipped {skipped} malformed lines")


def _parse(raw: bytes, number: int) -> tuple[Any, str] | None:
    def skip(reason: str) -> None:
        sys.stderr.write(f"line {number}: {reason}; skipped\n")

    if not raw.strip():
        return None
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        skip("not UTF-8")
        return None
    except json.JSONDecodeError as exc:
        skip(f"not JSON ({exc.msg})")
        return None
    if not isinstance(record, dict):
        skip("not a JSON object")
        return None
    if "id" not in record:
        skip('no "id"')
        return None
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        skip('"text" is missing, empty or not a string')
        return None
    return record["id"], text


def _write(router: training.Router, batch: list[tuple[Any, str]], out: Any) -> int:
    if not batch:
        return 0
    for (identifier, _text), prediction in zip(
        batch, training.predict(router.department, [t for _i, t in batch]), strict=True
    ):
        line = {
            "id": identifier,
            "department": prediction.department,
            "confidence": round(prediction.confidence, 4),
            "top3": [[code, confidence] for code, confidence in prediction.top3],
        }
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return len(batch)
