# SPDX-License-Identifier: MPL-2.0
"""CPU time and queries per signed-in page, in process, on the 1,000,000-case data set.

    .venv/bin/python bench/staff_pages.py [--rounds 3] [--cases 20] [--output F] [--compare F]

The Django test client (DEBUG off, bench.settings, sessions read from Redis as in production) on
`civicloop_bench_inbox`: the busiest department's SECRET-cleared clerk on a managed office device
(as bench/inbox.py) opens the inbox, its usual filters and `--cases` case pages; a generated
resident opens "my applications" and their applications. Each page is warmed once, then timed
with time.process_time (this process's CPU: the database's own time is not in it) as the best of
`--rounds` passes; queries are counted on one more request of each path. Only what a page view
writes is written (sessions, the audit entries of SECRET reads); the clerk's device is checked in
only when its posture has gone stale. `--compare` prints the figures beside an earlier `--output`.
See bench/README.md, "Load (mixed residents and staff)".
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import inbox_data  # noqa: E402


def setup() -> None:
    env = inbox_data.bench_env(Path(os.environ.get("BENCH_VAR_DIR", "/tmp/staff-pages-var")))
    env["CIVICLOOP_CACHE_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    os.environ.update(env)
    import django

    django.setup()


def clerk_client() -> Any:
    from civicloop.classification.policy import DeviceTrust
    from civicloop.devices.models import Device

    clerk = inbox_data.bench_clerk()
    client = inbox_data.signed_in_client(clerk)
    device = Device.objects.active().filter(owner=clerk, name="bench office laptop").first()
    if device is None or device.trust() != DeviceTrust.MANAGED:
        inbox_data.managed_device_cookie(clerk, client)
        return clerk, client
    from django.conf import settings
    from django.http import HttpResponse

    from civicloop.devices.sessions import SESSION_KEY, set_device_cookie

    session = client.session
    session[SESSION_KEY] = str(device.public_id)
    session.save()
    response = HttpResponse()
    set_device_cookie(response, device)
    client.cookies[settings.DEVICE_COOKIE_NAME] = response.cookies[settings.DEVICE_COOKIE_NAME].value
    return clerk, client


def resident_client() -> tuple[Any, list[str]]:
    """A generated resident with submitted applications (the first such), signed in, and their application pages."""
    from django.test import Client

    from civicloop.accounts.models import User
    from civicloop.applications.models import Application

    submitted = Application.objects.submitted()
    applicant = submitted.filter(applicant__username__startswith="gen-resident-").values_list("applicant_id", flat=True)
    person = User.objects.get(pk=applicant.order_by("applicant_id")[0])
    ids = list(submitted.filter(applicant=person).order_by("pk").values_list("public_id", flat=True)[:10])
    client = Client()
    client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
    return client, [f"/applications/{public_id}/" for public_id in ids]


def measure(client: Any, paths: list[str], rounds: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.get("Location"))
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for path in paths:
            client.get(path)
        best = min(best, (time.process_time() - started) * 1000 / len(paths))
    queries = []
    for path in paths:
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        queries.append(len(captured.captured_queries))
    return {
        "cpu_ms": round(best, 2),
        "queries_mean": round(statistics.mean(queries), 1),
        "queries_max": max(queries),
        "paths": len(paths),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--compare", type=Path)
    parser.add_argument("--case-list", type=Path, help="the case pages to open: read if it exists, else written")
    opts = parser.parse_args()
    setup()
    clerk, clerk_http = clerk_client()
    inbox = inbox_data.inbox_paths(clerk)
    if opts.case_list and opts.case_list.exists():
        cases = opts.case_list.read_text().split()
    else:  # a random sample: keep it (--case-list) to compare two trees on the same cases
        cases = sorted(inbox_data.case_paths(clerk, opts.cases))
        if opts.case_list:
            opts.case_list.write_text("\n".join(cases) + "\n")
    resident_http, applications = resident_client()
    pages = {
        "GET /staff/inbox/ (default)": (clerk_http, inbox[:1]),
        "GET /staff/inbox/ (12 views)": (clerk_http, inbox),
        "GET /staff/cases/<id>/": (clerk_http, cases),
        "GET /applications/": (resident_http, ["/applications/"]),
        "GET /applications/<id>/": (resident_http, applications),
    }
    results = {name: measure(client, paths, opts.rounds) for name, (client, paths) in pages.items()}
    earlier = json.loads(opts.compare.read_text())["pages"] if opts.compare else {}
    for name, figures in results.items():
        line = f"{name:30} {figures['cpu_ms']:7.2f} ms CPU  {figures['queries_mean']:5.1f} queries (max {figures['queries_max']})"
        if name in earlier:
            was = earlier[name]
            line += f"   was {was['cpu_ms']:.2f} ms, {was['queries_mean']:.1f} queries"
        print(line)
    if opts.output:
        report = {"pages": results, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                  "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                           cwd=ROOT).stdout.strip(),
                  "command": " ".join(sys.argv)}  # fmt: skip
        opts.output.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
