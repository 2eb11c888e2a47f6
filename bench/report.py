# SPDX-License-Identifier: MPL-2.0
"""What every bench's result file says besides its figures: the machine, its load, the date, the
tool versions, the command; and writing bench/results/<name>.json."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def version_of(cmd: list[str]) -> str:
    """The first line `cmd` prints (a tool's --version), or "unknown"."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return "unknown"
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr).strip() else "unknown"


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages, rounded: the machine is shared, read figures with it."""
    return [round(x, 2) for x in os.getloadavg()]


def now() -> str:
    """The report's date: UTC, to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def write(path: Path, report: dict[str, Any]) -> None:
    """Write `report` as indented UTF-8 JSON (Japanese kept readable), creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


def shown(path: Path) -> Path:
    """`path` relative to the repository when it is inside it (for the summary's last line)."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
