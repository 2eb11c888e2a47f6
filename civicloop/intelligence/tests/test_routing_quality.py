# SPDX-License-Identifier: MPL-2.0
"""The shipped router on questions it never saw, and the figures that say how far to trust it."""

from functools import cache

import numpy as np
import pytest

from civicloop.core.text import fold
from civicloop.intelligence import training


@cache
def _router() -> training.Router:
    return training.train_router(training.load_examples())


@pytest.mark.parametrize(
    ("question", "department"),
    [
        # 電子申請 belongs to デジタル推進課 (docs: DOMAIN.md), even beside マイナンバーカード
        ("マイナンバーカードで電子申請できますか", "dx"),
        ("オンライン申請のやり方", "dx"),
        ("電子申請の控えが届かない", "dx"),
        ("電子申請の受付完了通知が届かない", "dx"),
        # 介護保険料 is 保険年金課's, the rest of 介護保険 介護保険課's
        ("介護保険料の口座振替をしたい", "hoken_nenkin"),
        ("年金から介護保険料が引かれすぎている気がする", "hoken_nenkin"),
        ("介護保険で車いすを借りたい", "kaigo"),
        ("児童手当の振込先口座を変えたい", "kosodate_kyufu"),
        ("二人目が生まれた。児童手当の額を変えたい", "kosodate_kyufu"),
        ("保育園の入園申請に就労証明書はいりますか", "hoiku"),
        ("ほいくえん もうしこみ", "hoiku"),
    ],
)
def test_the_weak_categories_route_right_on_held_out_questions(question: str, department: str) -> None:
    assert question in {e.text for e in training.load_heldout()}
    [prediction] = training.predict(_router().department, [question])
    assert prediction.department == department


def test_no_held_out_question_is_a_training_example() -> None:
    trained = {fold(e.text) for e in training.load_examples()}
    assert not [e.text for e in training.load_heldout() if fold(e.text) in trained]


def test_the_held_out_set_covers_every_department_the_router_knows() -> None:
    assert {e.department for e in training.load_heldout()} == set(_router().department.classes_)


def test_the_shipped_router_gets_most_held_out_questions_right_and_says_so_honestly() -> None:
    scores = training.evaluate_heldout(_router().department)
    assert scores.count >= 300
    assert scores.top1_accuracy >= 0.9 and scores.top3_accuracy >= 0.95
    assert scores.calibration.ece < 0.1


def test_the_residents_held_out_set_shares_no_question_with_training_or_the_first_set() -> None:
    trained = {fold(e.text) for e in training.load_examples()}
    first = {fold(e.text) for e in training.load_heldout()}
    residents = training.load_heldout(training.RESIDENTS_HELDOUT)
    assert len(residents) >= 250
    assert not [e.text for e in residents if fold(e.text) in trained | first]
    assert {e.department for e in residents} == set(_router().department.classes_)


@pytest.mark.parametrize(
    ("question", "department"),
    [
        ("マイナンバーカードがあれば家から電子申請できるって聞いたんですが本当ですか", "dx"),
        ("おんらいんで しんせい したい", "dx"),
        ("かいごほけんりょう のうふしょ なくした", "hoken_nenkin"),
        ("お風呂に手すりをつけたい。介護保険使える？", "kaigo"),
        ("じどうてあて いつふりこまれる", "kosodate_kyufu"),
        ("学童に入れたい。小学１年生です", "hoiku"),
    ],
)
def test_the_weak_groups_route_right_in_residents_wording(question: str, department: str) -> None:
    assert question in {e.text for e in training.load_heldout(training.RESIDENTS_HELDOUT)}
    [prediction] = training.predict(_router().department, [question])
    assert prediction.department == department


def test_the_shipped_router_gets_most_residents_questions_right_with_an_honest_confidence() -> None:
    scores = training.evaluate_heldout(_router().department, training.load_heldout(training.RESIDENTS_HELDOUT))
    assert scores.top1_accuracy >= 0.9 and scores.top3_accuracy >= 0.95
    assert scores.calibration.ece < 0.1
    assert set(scores.per_department_top3) == set(scores.per_department_top1)


def test_score_computes_accuracy_brier_and_the_calibration_error_by_hand() -> None:
    # given: four questions, the third right at 0.75, the fourth wrong at 0.8 confidence
    probabilities = np.array([[1.0, 0.0], [0.6, 0.4], [0.25, 0.75], [0.8, 0.2]])

    # when
    scores = training.score(["a", "a", "b", "b"], ["a", "b"], probabilities)

    # then
    assert scores.top1_accuracy == 0.75 and scores.top3_accuracy == 1.0
    # (0 + 2·0.4² + 2·0.25² + 2·0.8²) / 4
    assert scores.calibration.brier == pytest.approx(0.43125)
    # (|1 − 1| + |0.6 − 1| + |0.75 − 1| + |0.8 − 0|) / 4: one question in each of four bins
    assert scores.calibration.ece == pytest.approx(0.3625)
    assert [(b.low, b.count, b.accuracy) for b in scores.calibration.bins] == [
        (0.6, 1, 1.0),
        (0.7, 1, 1.0),
        (0.8, 1, 0.0),
        (0.9, 1, 1.0),
    ]
    assert scores.per_department_top1 == {"a": 1.0, "b": 0.5}
    assert scores.per_department_top3 == {"a": 1.0, "b": 1.0}


def test_a_department_with_a_single_example_still_trains() -> None:
    # The temperature needs held-out scores of every class; with one example it stays 1.
    pipeline = training.fit(
        ["粗大ごみの申込み", "粗大ごみを出したい", "犬の登録"], ["seiso", "seiso", "seikatsu_eisei"]
    )
    probabilities = pipeline.predict_proba(["粗大ごみ"])[0]
    assert pipeline.classes_[probabilities.argmax()] == "seiso" and probabilities.sum() == pytest.approx(1.0)
