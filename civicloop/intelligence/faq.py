# SPDX-License-Identifier: MPL-2.0
"""The "what do I do when…" finder: the shipped FAQ and the catalogue, searched by character n-grams.

Text is folded (core.text.fold) so that width and kana differences vanish; the FAQ entries carry
hiragana readings in `keywords`, which bridges kanji and kana queries.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from civicloop.core.text import fold
from civicloop.intelligence.training import DATA_DIR

FAQ_FILE = DATA_DIR / "faq.yaml"
MIN_SCORE = 0.05


@dataclass(frozen=True)
class FaqEntry:
    id: str
    department: str
    procedure: str
    question: str
    answer: str
    keywords: tuple[str, ...]

    def document(self) -> str:
        # Weights chosen on the held-out questions (bench/routing.py): residents' searches look like
        # questions and keywords far more than like answers.
        return " ".join([self.question] * 3 + list(self.keywords) * 2 + [self.answer])


@dataclass(frozen=True)
class Hit:
    entry: FaqEntry
    score: float


class FaqIndex:
    def __init__(self, entries: list[FaqEntry]) -> None:
        # Imported here, not at the top: scikit-learn takes seconds to import (training.py says why).
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.entries = entries
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), preprocessor=fold, sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform([e.document() for e in entries]) if entries else None

    def search(self, query: str, *, limit: int = 5, minimum: float = MIN_SCORE) -> list[Hit]:
        from sklearn.metrics.pairwise import linear_kernel

        if self.matrix is None or not fold(query):
            return []
        scores = linear_kernel(self.vectorizer.transform([query]), self.matrix).ravel()
        order = scores.argsort()[::-1][:limit]
        return [Hit(self.entries[i], float(scores[i])) for i in order if scores[i] >= minimum]


def load_entries(path: Path = FAQ_FILE) -> list[FaqEntry]:
    if not path.exists():
        return []
    data: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [
        FaqEntry(
            id=str(item["id"]),
            department=str(item["department"]),
            procedure=str(item.get("procedure") or ""),
            question=str(item["question"]),
            answer=str(item["answer"]),
            keywords=tuple(str(k) for k in item.get("keywords") or []),
        )
        for item in data
    ]


@cache
def default_index() -> FaqIndex:
    """The shipped FAQ, indexed once per process (the file changes only with a release)."""
    return FaqIndex(load_entries())
