# SPDX-License-Identifier: MPL-2.0
"""Signed-document benchmark: writes bench/results/documents.json.

Measures, for the bulky-waste decision notice of one submitted application (a name with 𠮷 and
髙), how many documents per second one process issues end to end (`issue_document`: template,
WeasyPrint with the embedded CJK font subset, QR code, pyHanko PAdES signature, file write, row,
event and audit entry) and how many uploaded PDFs per second the verification check handles. The
baseline, measured in the same run, is rendering the same document to an unsigned PDF.

Runs on a throwaway SQLite database and VAR_DIR (demo CA) in a temporary folder:
    .venv/bin/python bench/documents.py [--count N]
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import throwaway  # noqa: E402

WORK = throwaway.start("civicloop-bench-documents-")

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402

from bench.report import RESULTS, cpu_model, now, write  # noqa: E402
from civicloop.accounts.models import Department, User  # noqa: E402
from civicloop.applications.actions import submit_from_api  # noqa: E402
from civicloop.cases.models import Case  # noqa: E402
from civicloop.catalog.models import Procedure  # noqa: E402
from civicloop.conftest import VALID_SODAI_GOMI  # noqa: E402
from civicloop.documents import rendering, signing  # noqa: E402
from civicloop.documents.issue import issue_document  # noqa: E402


def setup() -> tuple[Case, User]:
    throwaway.prepare_database()
    resident = User.objects.create(username="bench-resident", kind=User.Kind.RESIDENT, full_name="髙橋 𠮷子")
    clerk = User.objects.create(username="bench-clerk", kind=User.Kind.STAFF, full_name="清掃 一郎")
    clerk.departments.add(Department.objects.get(code="seiso"))
    procedure = Procedure.objects.get(code="sodai-gomi")
    application, _ = submit_from_api(user=resident, procedure=procedure, answers=VALID_SODAI_GOMI, idempotency_key="b1")
    return Case.objects.select_related("application__applicant", "department").get(application=application), clerk


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10, help="documents per measurement (default 10)")
    count = parser.parse_args().count
    case, clerk = setup()
    signing.material()  # the demo CA is made once, outside the timings
    facts = rendering.DocumentFacts(
        kind="decision_notice",
        outcome="approve",
        reason="",
        number="2026-seiso-00000",
        verification_code="V-0000-0000",
        issued_at=case.arrived_at,
        is_demo=True,
    )
    rendering.render_pdf(rendering.render_html(case, facts))  # warm-up: fonts, templates

    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        unsigned = rendering.render_pdf(rendering.render_html(case, facts))
    unsigned_s, unsigned_cpu = time.perf_counter() - started, time.process_time() - cpu

    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        with transaction.atomic():
            document = issue_document(case, kind="decision_notice", issued_by=clerk, outcome="approve")
    issued_s, issued_cpu = time.perf_counter() - started, time.process_time() - cpu
    with document.file.open("rb") as handle:
        signed = handle.read()

    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        assert signing.check_signature(signed).ok
    verify_s, verify_cpu = time.perf_counter() - started, time.process_time() - cpu

    result = {
        "documents": count,
        "unsigned_render_per_s": round(rate(count, unsigned_s), 2),
        "issued_per_s": round(rate(count, issued_s), 2),
        "issue_ms": round(1000 * issued_s / count, 1),
        "unsigned_render_ms": round(1000 * unsigned_s / count, 1),
        "verify_per_s": round(rate(count, verify_s), 2),
        "verify_ms": round(1000 * verify_s / count, 1),
        # CPU time of this process: steadier than wall time on a machine shared with other work.
        "unsigned_render_cpu_ms": round(1000 * unsigned_cpu / count, 1),
        "issue_cpu_ms": round(1000 * issued_cpu / count, 1),
        "verify_cpu_ms": round(1000 * verify_cpu / count, 1),
        "issued_per_cpu_s": round(rate(count, issued_cpu), 2),
        "unsigned_render_per_cpu_s": round(rate(count, unsigned_cpu), 2),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "unsigned_pdf_bytes": len(unsigned),
        "signed_pdf_bytes": len(signed),
        "baseline": "rendering the same document to an unsigned PDF (template + WeasyPrint), same process",
        "machine": {"cores": os.cpu_count(), "cpu_model": cpu_model()},
        "date": now(),
        "command": f".venv/bin/python bench/documents.py --count {count}",
        "database": settings.DATABASES["default"]["ENGINE"],
    }
    out = RESULTS / "documents.json"
    write(out, result)
    print("civicloop documents benchmark —", result["date"])
    print(
        f"  unsigned render  {result['unsigned_render_per_s']:.2f} docs/s ({result['unsigned_render_ms']} ms)  [baseline]"
    )
    print(f"  issue (signed)   {result['issued_per_s']:.2f} docs/s ({result['issue_ms']} ms)")
    print(f"  verify upload    {result['verify_per_s']:.2f} docs/s ({result['verify_ms']} ms)")
    print(
        f"  CPU per doc      unsigned {result['unsigned_render_cpu_ms']} ms, issue {result['issue_cpu_ms']} ms, "
        f"verify {result['verify_cpu_ms']} ms (load average {result['load_average_1m']})"
    )
    print(f"  sizes            unsigned {len(unsigned):,} B, signed {len(signed):,} B")
    print(f"  written to       {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    throwaway.run_then_remove(main, WORK)
