# SPDX-License-Identifier: MPL-2.0
"""Two trees' signed-in pages, in alternation: CPU per page, before against after.

    .venv/bin/python bench/pages_ab.py BEFORE_TREE AFTER_TREE [--passes 20] [--case-list F]

Each tree (a `git archive` of a commit, with `.venv` linked in) runs in a process of its own on the
1,000,000-case data set, as `bench/staff_pages.py` sets it up (the busiest department's SECRET-
cleared clerk on a managed device, a generated resident, sessions from Redis). The two processes
take turns: each pass asks one, then the other (the order swapped every pass), to open every page
three times, and reports the CPU it spent (time.process_time: PostgreSQL's is not in it). The
figure per page is the median over the passes. Beside it, the Python function calls one pass of
each page makes (cProfile's count, before the timed passes): a count does not move with the
machine's neighbours, so it shows a change in work where the times are too noisy to. On a machine
whose speed moves with its neighbours a tree measured after the other is measured on another
machine; in alternation both see the same neighbours, so the ratio holds where the absolute
figures do not. See bench/README.md, "Load".
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def serve(tree: Path, case_list: Path) -> None:
    """One tree's side: its code opens the pages each time a line arrives on stdin; prints the CPU per page."""
    sys.path.insert(0, str(tree))
    from bench import inbox_data, staff_pages

    staff_pages.setup()
    clerk, clerk_http = staff_pages.clerk_client()
    resident_http, applications = staff_pages.resident_client()
    views = [path for path in inbox_data.inbox_paths(clerk) if "q=" not in path]  # a search's receipt is random
    pages: dict[str, tuple[Any, list[str]]] = {
        "GET /staff/inbox/ (default)": (clerk_http, views[:1]),
        "GET /staff/inbox/ (other views)": (clerk_http, views[1:]),
        "GET /staff/cases/<id>/": (clerk_http, case_list.read_text().split()[:20]),
        "GET /applications/": (resident_http, ["/applications/"]),
        "GET /applications/<id>/": (resident_http, applications),
    }
    calls = {}
    for name, (client, paths) in pages.items():
        for path in paths:
            status = client.get(path).status_code
            assert status == 200, (path, status)
        profile = cProfile.Profile()
        profile.runcall(lambda: [client.get(path) for path in paths])  # noqa: B023 - called at once
        calls[name] = pstats.Stats(profile).total_calls / len(paths)  # type: ignore[attr-defined]
    print(json.dumps(calls), flush=True)
    for _ in sys.stdin:
        spent = {}
        for name, (client, paths) in pages.items():
            started = time.process_time()
            for _ in range(3):
                for path in paths:
                    client.get(path)
            spent[name] = (time.process_time() - started) * 1000 / (3 * len(paths))
        print(json.dumps(spent), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--passes", type=int, default=20)
    parser.add_argument("--case-list", type=Path, default=Path("/tmp/cases.txt"),
                        help="case pages to open, one path a line (bench/staff_pages.py --case-list writes one)")  # fmt: skip
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.serve:
        serve(opts.before, opts.case_list)
        return 0
    trees = [opts.before.resolve(), opts.after.resolve()]
    environment = {**os.environ, "CIVICLOOP_DEBUG": "1"}
    sides = [
        subprocess.Popen(
            [
                str(tree / ".venv/bin/python"),
                __file__,
                str(tree),
                str(tree),
                "--serve",
                "--case-list",
                str(opts.case_list),
            ],
            cwd=tree,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
        )
        for tree in trees
    ]
    calls = [json.loads(side.stdout.readline()) for side in sides]  # type: ignore[union-attr]
    runs: list[list[dict[str, float]]] = [[], []]
    for n in range(opts.passes):
        for i in (0, 1) if n % 2 == 0 else (1, 0):
            sides[i].stdin.write("go\n")  # type: ignore[union-attr]
            sides[i].stdin.flush()  # type: ignore[union-attr]
            runs[i].append(json.loads(sides[i].stdout.readline()))  # type: ignore[union-attr]
    for side in sides:
        side.stdin.close()  # type: ignore[union-attr]
        side.wait()
    print(f"{trees[0].name} → {trees[1].name}: CPU per page, median of {opts.passes} alternating passes;")
    print("Python function calls per page (cProfile, one pass: the same on any machine)")
    for name in runs[0][0]:
        before, after = (statistics.median(run[name] for run in runs[i]) for i in (0, 1))
        was, now = calls[0][name], calls[1][name]
        print(f"  {name:34} {before:7.2f} → {after:7.2f} ms ({(after - before) / before:+4.0%})"
              f"   {was:8.0f} → {now:8.0f} calls ({(now - was) / was:+4.0%})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
