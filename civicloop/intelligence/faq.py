# SPDX-License-Identifier: MPL-2.0
"""The "what do I do when…" finder: the shipped FAQ and the catalogue, searched by character n-grams.

Text is folded (core.text.fold) so that width and kana differences vanish; the FAQ entries carry
hiragana readings in `keywords`, which bridges kanji and kana queries.

English is a separate index over the entries that have an `en` block (question, answer,
keywords): matching an English query against Japanese text finds only what shares stray Latin
letters (「bulky waste」 found the partnership FAQ), so an English page searches English text
only and shows nothing rather than that.
"""

import itertools
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from civicloop.core.text import fold
from civicloop.intelligence.training import DATA_DIR

FAQ_FILE = DATA_DIR / "faq.yaml"
# Measured on faq_eval.yaml (bench/routing.py): 90 % of right first answers score ≥ 0.16, while
# queries with no answer in the FAQ (「bulky waste」, 「ピアノ教室」) top out near 0.11.
MIN_SCORE = 0.12
# A hit far below the best one is rarely about the same thing: keep those within this share of it.
# English entries share generic words ("throw away" brings cooking oil next to a sofa): stricter.
RELATIVE_SCORE = 0.5
RELATIVE_SCORE_EN = 0.7


@dataclass(frozen=True)
class FaqEntry:
    id: str
    department: str
    procedure: str
    question: str
    answer: str
    keywords: tuple[str, ...]
    question_en: str = ""
    answer_en: str = ""
    keywords_en: tuple[str, ...] = ()

    def document(self, *, english: bool = False) -> str:
        # Weights chosen on the held-out questions (bench/routing.py): residents' searches look like
        # questions and keywords far more than like answers.
        if english:
            return " ".join([self.question_en] * 3 + list(self.keywords_en) * 2 + [self.answer_en])
        return " ".join([self.question] * 3 + list(self.keywords) * 2 + [self.answer])

    def question_in(self, english: bool) -> str:
        return self.question_en if english and self.question_en else self.question

    def answer_in(self, english: bool) -> str:
        return self.answer_en if english and self.answer_en else self.answer


_ENGLISH_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ing", "ed", "es", "s")


def english_words(text: str) -> list[str]:
    """Words with a crude stem ("moved", "moving" → "mov"), stop words dropped, and word pairs.

    Whole words rather than letter pieces: pieces made 「dog registration」 find the moving-in
    FAQ through "register"; a resident's English search names the thing it is about.
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = []
    for word in _ENGLISH_WORD.findall(unicodedata.normalize("NFKC", text).casefold()):
        if word in ENGLISH_STOP_WORDS:
            continue
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
        words.append(word)
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


@dataclass(frozen=True)
class Hit:
    entry: FaqEntry
    score: float


class FaqIndex:
    def __init__(self, entries: list[FaqEntry], *, english: bool = False) -> None:
        # Imported here, not at the top: scikit-learn takes seconds to import (training.py says why).
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.english = english
        self.entries = [e for e in entries if e.question_en] if english else entries
        if english:
            self.vectorizer = TfidfVectorizer(analyzer=english_words, sublinear_tf=True)
        else:
            self.vectorizer = TfidfVectorizer(
                analyzer="char_wb", ngram_range=(1, 3), preprocessor=fold, sublinear_tf=True
            )
        documents = [e.document(english=english) for e in self.entries]
        self.matrix = self.vectorizer.fit_transform(documents) if documents else None

    def search(
        self,
        query: str,
        *,
        limit: int = 5,
        minimum: float = MIN_SCORE,
        departments: Collection[str] | None = None,
    ) -> list[Hit]:
        """The entries answering `query`, best first: each scores at least `minimum` and at least
        RELATIVE_SCORE(_EN) of the best; only from `departments` when given (an inquiry's department)."""
        from sklearn.metrics.pairwise import linear_kernel

        if self.matrix is None or not fold(query):
            return []
        scores = linear_kernel(self.vectorizer.transform([query]), self.matrix).ravel()
        hits = [Hit(self.entries[i], float(scores[i])) for i in scores.argsort()[::-1]]
        if departments is not None:
            hits = [hit for hit in hits if hit.entry.department in departments]
        if not hits:
            return []
        floor = max(minimum, hits[0].score * (RELATIVE_SCORE_EN if self.english else RELATIVE_SCORE))
        return [hit for hit in hits[:limit] if hit.score >= floor]


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
            question_en=str((item.get("en") or {}).get("question") or ""),
            answer_en=str((item.get("en") or {}).get("answer") or ""),
            keywords_en=tuple(str(k) for k in (item.get("en") or {}).get("keywords") or []),
        )
        for item in data
    ]


@cache
def default_index(*, english: bool = False) -> FaqIndex:
    """The shipped FAQ in one language, indexed once per process (the file changes only with a release)."""
    return FaqIndex(load_entries(), english=english)
