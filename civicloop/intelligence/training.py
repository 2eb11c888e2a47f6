# SPDX-License-Identifier: MPL-2.0
"""The inquiry router: character n-gram TF-IDF and a calibrated linear classifier (no tokenizer needed).

Japanese has no spaces, so words are not split; overlapping character 1–3-grams of text folded by
`core.text.fold` (width, kana, case) carry the signal, which also makes the model tolerant of
ｿﾀﾞｲｺﾞﾐ / そだいごみ / ソダイゴミ and of small typos.
"""

import io
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from civicloop.core.text import fold

# scikit-learn is imported where it is used: importing it takes seconds, and every process
# (each manage.py command, the web server, the worker) loads this module through the URLconf
# and the event subscribers, while only training and suggesting need it.
if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass
class Example:
    text: str
    department: str
    procedure: str = ""


@dataclass(frozen=True)
class ReliabilityBin:
    """Predictions whose top confidence fell in [low, high): how sure the model was, how often right."""

    low: float
    high: float
    count: int
    mean_confidence: float
    accuracy: float


@dataclass(frozen=True)
class Calibration:
    """Whether the confidence can be taken at its word (the routing threshold compares against it).

    `brier` is the multi-class Brier score (mean over questions of Σ_k (p_k − y_k)², 0 is perfect, 2 the
    worst); `ece` the expected calibration error of the top suggestion over ten equal-width bins (the
    count-weighted mean |confidence − accuracy|).
    """

    brier: float
    ece: float
    bins: list[ReliabilityBin]


@dataclass(frozen=True)
class Scores:
    """Top-1 and top-3 accuracy, macro-F1 and calibration of one set of predictions."""

    count: int
    top1_accuracy: float
    top3_accuracy: float
    macro_f1: float
    calibration: Calibration
    per_department_top1: dict[str, float] = field(default_factory=dict)
    per_department_top3: dict[str, float] = field(default_factory=dict)


@dataclass
class Evaluation:
    macro_f1: float
    top3_accuracy: float
    labels: list[str]
    matrix: list[list[int]]
    confused_pairs: list[tuple[str, str, int]] = field(default_factory=list)
    top1_accuracy: float = 0.0
    calibration: Calibration | None = None
    scores: Scores | None = None


def load_examples(directory: Path = DATA_DIR / "inquiries") -> list[Example]:
    """The shipped training set: one YAML file per department, examples grouped by procedure."""
    examples = []
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for procedure, texts in (data.get("examples") or {}).items():
            for text in texts or []:
                if isinstance(text, str) and text.strip():
                    examples.append(
                        Example(text.strip(), data["department"], "" if procedure == "general" else procedure)
                    )
    return examples


def build_pipeline() -> "Pipeline":
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    from civicloop.intelligence.calibration import TemperatureScaled

    # Chosen by stratified 5-fold cross-validation on the shipped set (1,948 examples, three
    # shuffles, bench/routing.py's scoring), never on the held-out questions. Against the previous
    # logistic regression (C=20, saga) on the same char_wb 1–3-grams: top-1 0.892 vs 0.873, top-3
    # 0.968 vs 0.963, Brier 0.161 vs 0.256. Rejected: 1–4- and 2–4-grams (0.853, 0.812 top-1),
    # adding words cut at script changes (kanji/katakana/hiragana runs, 0.866: no tokenizer or
    # dictionary is shipped), scikit-learn's sigmoid or isotonic calibration (ECE 0.18, 0.15).
    # The logistic regression was underconfident (ECE 0.21: at 0.45 confidence it was right 85 % of
    # the time), so questions it had right went to triage; one temperature, fitted on out-of-fold
    # scores, brings the ECE to 0.03 without changing any ranking.
    # Third round (2,227 examples, stratified 5-fold, shuffles 7/11/23): keeping n-grams seen once
    # (min_df=1) beats min_df=2 on every shuffle, top-1 0.914 vs 0.909, top-3 0.973 vs 0.970, Brier
    # 0.134 vs 0.138 (ECE 0.030 vs 0.022): a rare word of one example (a procedure's own term) is
    # what a resident's question often turns on. Rejected then: char 2–4-grams beside char_wb
    # 1–3 (0.879 on the 1,999), script-run words beside them with the SVM (0.884), C=0.5 (0.908).
    # A fixed random_state keeps a retrain on the same examples reproducible (liblinear shuffles).
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), preprocessor=fold, sublinear_tf=True, min_df=1),
            ),
            ("clf", TemperatureScaled(LinearSVC(C=1.0, random_state=0))),
        ]
    )


def fit(texts: list[str], labels: list[str]) -> "Pipeline":
    pipeline = build_pipeline()
    pipeline.fit(texts, labels)
    return pipeline


def cross_validate(
    texts: list[str], labels: list[str], *, folds: int = 5, progress: Callable[[int], None] | None = None
) -> Evaluation:
    """Stratified k-fold: top-1 and top-3 accuracy, macro-F1, calibration and the pooled confusion matrix."""
    from sklearn.metrics import confusion_matrix
    from sklearn.model_selection import StratifiedKFold

    y = np.array(labels)
    names = sorted(set(labels))
    probabilities = np.zeros((len(labels), len(names)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=7)
    for train, test in splitter.split(texts, y):
        model = fit([texts[i] for i in train], [labels[i] for i in train])
        # A fold may miss a rare department: its column stays 0.
        columns = np.searchsorted(names, model.classes_)
        probabilities[np.ix_(test, columns)] = model.predict_proba([texts[i] for i in test])
        if progress:
            progress(1)
    result = score(labels, names, probabilities)
    predicted = np.array(names)[probabilities.argmax(axis=1)]
    matrix = confusion_matrix(y, predicted, labels=names)
    pairs = [
        (names[i], names[j], int(matrix[i, j]) + int(matrix[j, i]))
        for i in range(len(names))
        for j in range(i + 1, len(names))
        if matrix[i, j] + matrix[j, i] > 0
    ]
    pairs.sort(key=lambda p: -p[2])
    return Evaluation(
        macro_f1=result.macro_f1,
        top3_accuracy=result.top3_accuracy,
        labels=names,
        matrix=matrix.tolist(),
        confused_pairs=pairs[:10],
        top1_accuracy=result.top1_accuracy,
        calibration=result.calibration,
        scores=result,
    )


def score(labels: Sequence[str], classes: Sequence[str], probabilities: Any, *, bins: int = 10) -> Scores:
    """Accuracy, macro-F1 and calibration of `probabilities` (one row per label, columns in `classes` order)."""
    from sklearn.metrics import f1_score

    names = np.asarray(classes)
    truth = np.asarray(labels)
    order = np.argsort(-probabilities, axis=1)
    top1 = names[order[:, 0]]
    correct = top1 == truth
    in_top3 = (names[order[:, :3]] == truth[:, None]).any(axis=1)
    onehot = (names[None, :] == truth[:, None]).astype(float)
    confidence = probabilities.max(axis=1)
    # Bin b holds [b/bins, (b+1)/bins); rounding first keeps 0.6 in [0.6, 0.7) despite binary
    # fractions, and the last bin is closed so that a confidence of exactly 1.0 is counted.
    which = np.minimum(np.floor(np.round(confidence * bins, 9)).astype(int), bins - 1)
    reliability = [
        ReliabilityBin(
            low=round(b / bins, 2),
            high=round((b + 1) / bins, 2),
            count=int((which == b).sum()),
            mean_confidence=float(confidence[which == b].mean()),
            accuracy=float(correct[which == b].mean()),
        )
        for b in range(bins)
        if (which == b).any()
    ]
    ece = sum(b.count * abs(b.mean_confidence - b.accuracy) for b in reliability) / len(truth)
    return Scores(
        count=len(truth),
        top1_accuracy=float(correct.mean()),
        top3_accuracy=float(in_top3.mean()),
        macro_f1=float(f1_score(truth, top1, average="macro", labels=sorted(set(truth)))),
        calibration=Calibration(
            brier=float(((probabilities - onehot) ** 2).sum(axis=1).mean()), ece=float(ece), bins=reliability
        ),
        per_department_top1={str(d): float(correct[truth == d].mean()) for d in sorted(set(truth))},
        per_department_top3={str(d): float(in_top3[truth == d].mean()) for d in sorted(set(truth))},
    )


# Two held-out sets, each written before the examples and model changes it was first used to
# measure: the first (303 questions, FAQ-page titles and one-liners) before the second round of
# examples, the second (263 questions in residents' own wording) before the third.
HELDOUT = DATA_DIR / "routing_heldout.yaml"
RESIDENTS_HELDOUT = DATA_DIR / "routing_heldout_residents.yaml"


def load_heldout(path: Path = HELDOUT) -> list[Example]:
    """The held-out questions: never trained on, never used to choose the model (issue 16)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Example(text.strip(), department) for department, texts in data.items() for text in texts]


def evaluate_heldout(pipeline: "Pipeline", examples: list[Example] | None = None) -> Scores:
    """Scores of a trained department model on the held-out questions."""
    examples = load_heldout() if examples is None else examples
    probabilities = pipeline.predict_proba([e.text for e in examples])
    return score([e.department for e in examples], [str(c) for c in pipeline.classes_], probabilities)


@dataclass
class Router:
    """What one RoutingModel version holds: a department model and, where examples name one, a procedure model."""

    department: "Pipeline"
    procedure: "Pipeline | None"
    procedure_departments: dict[str, str]


def dumps(router: Router) -> bytes:
    import joblib

    buffer = io.BytesIO()
    joblib.dump(router, buffer, compress=3)
    return buffer.getvalue()


def loads(blob: bytes) -> Router:
    import joblib

    # Only ever a blob train_router wrote into our own database (RoutingModel.artifact).
    router: Router = joblib.load(io.BytesIO(bytes(blob)))
    return router


def train_router(examples: list[Example]) -> Router:
    department = fit([e.text for e in examples], [e.department for e in examples])
    named = [e for e in examples if e.procedure]
    procedure = (
        fit([e.text for e in named], [e.procedure for e in named]) if len({e.procedure for e in named}) > 1 else None
    )
    return Router(department, procedure, {e.procedure: e.department for e in named})


@dataclass(frozen=True)
class Prediction:
    department: str
    confidence: float
    top3: list[tuple[str, float]]
    explanation: list[str]


def predict(pipeline: "Pipeline", texts: Iterable[str], *, explain: bool = True) -> list[Prediction]:
    texts = list(texts)
    if not texts:
        return []
    probabilities = pipeline.predict_proba(texts)
    classes = pipeline.classes_
    vectorizer: Any = pipeline.named_steps["tfidf"]
    classifier: Any = pipeline.named_steps["clf"]
    features = vectorizer.transform(texts) if explain else None
    vocabulary = vectorizer.get_feature_names_out() if explain else None
    results = []
    for row, p in enumerate(probabilities):
        order = np.argsort(-p)[:3]
        best = order[0]
        # Why: the n-grams of this text that pushed hardest towards the chosen class.
        explanation = (
            _explain(features[row], classifier.coef_[best], vocabulary)
            if features is not None and len(classes) > 2
            else []
        )
        results.append(
            Prediction(
                department=str(classes[best]),
                confidence=float(p[best]),
                top3=[(str(classes[i]), round(float(p[i]), 4)) for i in order],
                explanation=explanation,
            )
        )
    return results


def _explain(vector: Any, coefficients: Any, vocabulary: Any) -> list[str]:
    """The n-grams present in the text that weighed most towards the chosen department."""
    row = vector.tocoo()
    contributions = sorted(zip(row.col, row.data * coefficients[row.col], strict=True), key=lambda pair: -pair[1])
    grams = [str(vocabulary[i]).strip() for i, weight in contributions if weight > 0]
    return [g for g in grams if len(g) >= 2][:5]


def suggest_procedure(router: Router, text: str, department: str, *, minimum: float = 0.4) -> str:
    """The procedure the text most likely concerns, if it belongs to `department` and is likely enough."""
    if router.procedure is None:
        return ""
    probabilities = router.procedure.predict_proba([text])[0]
    best = int(np.argmax(probabilities))
    code = str(router.procedure.classes_[best])
    if probabilities[best] < minimum or router.procedure_departments.get(code) != department:
        return ""
    return code


def timed_train(examples: list[Example]) -> tuple[Router, float]:
    started = time.perf_counter()
    router = train_router(examples)
    return router, time.perf_counter() - started
