# SPDX-License-Identifier: MPL-2.0
"""Routing and FAQ benchmark: writes bench/results/routing.json.

Measures, on the shipped data: 5-fold cross-validated top-1 and top-3 accuracy, macro-F1 and
calibration (Brier score, expected calibration error, reliability bins) of the department router;
the same on both held-out sets of routing questions (data/routing_heldout.yaml and
routing_heldout_residents.yaml, never trained on), and top-1/top-3 per department group; training
seconds, predictions per second on one core, and the FAQ finder's recall@1 and recall@5 on its
held-out question set. Baselines run beside them in the same process: a most-frequent-department
classifier, and substring search for the FAQ.
"""

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # "one core": no BLAS threads
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CIVICLOOP_DEBUG", "1")

import django  # noqa: E402

django.setup()

import yaml  # noqa: E402
from sklearn.dummy import DummyClassifier  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from bench.report import RESULTS, cpu_model, now, write  # noqa: E402
from civicloop.core.text import fold  # noqa: E402
from civicloop.intelligence import faq, training  # noqa: E402


def faq_recall(index: faq.FaqIndex, questions: list[dict[str, str]]) -> tuple[float, float]:
    at1 = at5 = 0
    for item in questions:
        ids = [hit.entry.id for hit in index.search(item["question"], limit=5)]
        at1 += int(ids[:1] == [item["expected"]])
        at5 += int(item["expected"] in ids)
    return at1 / len(questions), at5 / len(questions)


def substring_recall(entries: list[faq.FaqEntry], questions: list[dict[str, str]]) -> tuple[float, float]:
    """Baseline: rank FAQ entries by how many 2-character pieces of the query they contain."""
    at1 = at5 = 0
    documents = [fold(e.document()) for e in entries]
    for item in questions:
        query = fold(item["question"])
        pieces = {query[i : i + 2] for i in range(max(len(query) - 1, 1))}
        scores = [sum(piece in doc for piece in pieces) for doc in documents]
        order = sorted(range(len(entries)), key=lambda i: -scores[i])[:5]
        ids = [entries[i].id for i in order]
        at1 += int(ids[:1] == [item["expected"]])
        at5 += int(item["expected"] in ids)
    return at1 / len(questions), at5 / len(questions)


def calibration_json(calibration: training.Calibration | None) -> dict[str, object]:
    if calibration is None:
        return {}
    return {
        "brier": round(calibration.brier, 4),
        "ece": round(calibration.ece, 4),
        "reliability": [
            {
                "confidence": f"{b.low:.1f}–{b.high:.1f}",
                "count": b.count,
                "mean_confidence": round(b.mean_confidence, 3),
                "accuracy": round(b.accuracy, 3),
            }
            for b in calibration.bins
        ],
    }


# The outside check's weak groups (issue 16) and everything else, reported apart.
GROUPS = {
    "dx (電子申請)": ["dx"],
    "kosodate_kyufu + hoiku (児童手当・保育)": ["kosodate_kyufu", "hoiku"],
    "kaigo + hoken_nenkin (介護・保険年金)": ["kaigo", "hoken_nenkin"],
}


def by_group(scores: training.Scores, labels: list[str]) -> dict[str, dict[str, float | int]]:
    """Top-1 and top-3 per department group, weighted by the questions each department has."""
    counts = {d: labels.count(d) for d in set(labels)}
    grouped = [d for members in GROUPS.values() for d in members]
    groups = {**GROUPS, "the other 13 departments": sorted(d for d in counts if d not in grouped)}
    result: dict[str, dict[str, float | int]] = {}
    for name, members in groups.items():
        n = sum(counts.get(d, 0) for d in members)
        result[name] = {
            "questions": n,
            "top1": round(sum(scores.per_department_top1[d] * counts[d] for d in members if d in counts) / n, 3),
            "top3": round(sum(scores.per_department_top3[d] * counts[d] for d in members if d in counts) / n, 3),
        }
    return result


def held_out_json(scores: training.Scores, labels: list[str]) -> dict[str, object]:
    return {
        "questions": scores.count,
        "top1_accuracy": round(scores.top1_accuracy, 4),
        "top3_accuracy": round(scores.top3_accuracy, 4),
        "macro_f1": round(scores.macro_f1, 4),
        "calibration": calibration_json(scores.calibration),
        "by_group": by_group(scores, labels),
        "top1_per_department": {d: round(v, 3) for d, v in scores.per_department_top1.items()},
        "top3_per_department": {d: round(v, 3) for d, v in scores.per_department_top3.items()},
    }


def main() -> int:
    examples = training.load_examples()
    texts, labels = [e.text for e in examples], [e.department for e in examples]
    with threadpool_limits(limits=1):
        evaluation = training.cross_validate(texts, labels)
        started = time.perf_counter()
        router = training.train_router(examples)
        train_s = time.perf_counter() - started
        heldout = training.evaluate_heldout(router.department)
        residents_questions = training.load_heldout(training.RESIDENTS_HELDOUT)
        residents = training.evaluate_heldout(router.department, residents_questions)
        batch = (texts * (5000 // len(texts) + 1))[:5000]
        training.predict(router.department, batch[:200], explain=False)  # warm-up
        started = time.perf_counter()
        training.predict(router.department, batch, explain=False)
        predictions_per_s = len(batch) / (time.perf_counter() - started)
        started = time.perf_counter()
        training.predict(router.department, batch[:1000], explain=True)
        explained_per_s = 1000 / (time.perf_counter() - started)
    dummy = DummyClassifier(strategy="most_frequent").fit(texts, labels)
    baseline_f1 = float(f1_score(labels, dummy.predict(texts), average="macro"))

    entries = faq.load_entries()
    questions = yaml.safe_load((training.DATA_DIR / "faq_eval.yaml").read_text(encoding="utf-8"))
    index = faq.FaqIndex(entries)
    recall_1, recall_5 = faq_recall(index, questions)
    base_1, base_5 = substring_recall(entries, questions)

    result = {
        "train_examples": len(examples),
        "departments": len(set(labels)),
        "cv_top1_accuracy": round(evaluation.top1_accuracy, 4),
        "cv_top3_accuracy": round(evaluation.top3_accuracy, 4),
        "cv_macro_f1": round(evaluation.macro_f1, 4),
        "cv_calibration": calibration_json(evaluation.calibration),
        "heldout_questions": heldout.count,
        "heldout_top1_accuracy": round(heldout.top1_accuracy, 4),
        "heldout_top3_accuracy": round(heldout.top3_accuracy, 4),
        "heldout_macro_f1": round(heldout.macro_f1, 4),
        "heldout_calibration": calibration_json(heldout.calibration),
        "heldout_top1_per_department": {d: round(v, 3) for d, v in heldout.per_department_top1.items()},
        "cv_by_group": by_group(evaluation.scores, labels) if evaluation.scores else {},
        "heldout_by_group": by_group(heldout, [e.department for e in training.load_heldout()]),
        "heldout_residents": held_out_json(residents, [e.department for e in residents_questions]),
        "train_s": round(train_s, 3),
        "predictions_per_s": round(predictions_per_s, 1),
        "predictions_with_explanation_per_s": round(explained_per_s, 1),
        "faq_entries": len(entries),
        "faq_eval_questions": len(questions),
        "faq_recall_at_1": round(recall_1, 4),
        "faq_recall_at_5": round(recall_5, 4),
        "most_confused_pairs": [{"a": a, "b": b, "count": n} for a, b, n in evaluation.confused_pairs[:5]],
        "baseline": {
            "most_frequent_macro_f1": round(baseline_f1, 4),
            "faq_substring_recall_at_1": round(base_1, 4),
            "faq_substring_recall_at_5": round(base_5, 4),
        },
        "target": {"predictions_per_s": 1000, "outside_top1_accuracy": 0.85, "outside_top3_accuracy": 0.95},
        "machine": {"cores": os.cpu_count(), "cpu_model": cpu_model(), "threads_used": 1},
        "date": now(),
        "command": ".venv/bin/python bench/routing.py",
    }
    out = RESULTS / "routing.json"
    write(out, result)
    print("civicloop routing benchmark —", result["date"])
    print(f"  examples      {len(examples)} across {result['departments']} departments")
    cv, ho = evaluation.calibration, heldout.calibration
    assert cv is not None
    print(
        f"  cv            top-1 {evaluation.top1_accuracy:.3f}  top-3 {evaluation.top3_accuracy:.3f}"
        f"  macro-F1 {evaluation.macro_f1:.3f} (most-frequent baseline {baseline_f1:.3f})"
        f"  Brier {cv.brier:.3f}  ECE {cv.ece:.3f}"
    )
    print(
        f"  held-out      top-1 {heldout.top1_accuracy:.3f}  top-3 {heldout.top3_accuracy:.3f}"
        f"  macro-F1 {heldout.macro_f1:.3f}  Brier {ho.brier:.3f}  ECE {ho.ece:.3f}  ({heldout.count} questions)"
    )
    rc = residents.calibration
    print(
        f"  residents     top-1 {residents.top1_accuracy:.3f}  top-3 {residents.top3_accuracy:.3f}"
        f"  macro-F1 {residents.macro_f1:.3f}  Brier {rc.brier:.3f}  ECE {rc.ece:.3f}  ({residents.count} questions)"
    )
    groups = {
        "cv": by_group(evaluation.scores, labels) if evaluation.scores else {},
        "held-out": by_group(heldout, [e.department for e in training.load_heldout()]),
        "residents": by_group(residents, [e.department for e in residents_questions]),
    }
    for name in groups["cv"]:
        print(
            f"  {name:40s} " + "  ".join(f"{k} {g[name]['top1']:.3f}/{g[name]['top3']:.3f}" for k, g in groups.items())
        )
    print(
        "  reliability   (cv) "
        + "  ".join(f"{b.low:.1f}+: {b.count} at {b.mean_confidence:.2f}→{b.accuracy:.2f}" for b in cv.bins)
    )
    print(f"  training      {result['train_s']:.2f} s")
    print(
        f"  predictions   {predictions_per_s:,.0f}/s on one core (with explanations {explained_per_s:,.0f}/s; target ≥ 1,000/s)"
    )
    print(f"  FAQ recall@1  {recall_1:.3f}  @5 {recall_5:.3f}   (substring baseline {base_1:.3f} / {base_5:.3f})")
    print("  most confused " + ", ".join(f"{a}↔{b} ({n})" for a, b, n in evaluation.confused_pairs[:5]))
    print(f"  written to    {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
