# SPDX-License-Identifier: MPL-2.0
"""SLA risk features, snapshots and the held-back evaluation, on timelines made to order."""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from civicloop.insight import risk
from civicloop.insight.timeline import Timeline

TOKYO = ZoneInfo("Asia/Tokyo")


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TOKYO)


def test_features_count_business_days_and_see_a_pending_correction() -> None:
    # given a case opened on Friday 2026-04-24, before Golden Week, with a 補正 asked on 4/28
    opened = _at(date(2026, 4, 24))
    case = Timeline("c", "seiso", "sodai-gomi", "OFFICIAL", opened, [(opened, date(2026, 5, 15))])
    case.claimed = (opened + timedelta(hours=2), "clerk-1")
    case.steps = [(opened + timedelta(hours=2), "intake")]
    case.corrections = [(_at(date(2026, 4, 28)), None)]
    # when
    features = risk.features_at(case, _at(date(2026, 5, 7)), workload=12)
    # then 4/27, 4/28, 4/30, 5/1, 5/7 are business days (4/29 and 5/3–5/6 are holidays or the weekend)
    assert features["age"] == 5
    assert features["stage"] == "correction"
    assert features["corrections"] == 1
    assert features["workload"] == 12
    assert features["month"] == "5"
    assert features["days_left"] == 6  # 5/8, 5/11–5/15


def test_a_resubmitted_correction_moves_the_due_date_the_features_see() -> None:
    opened = _at(date(2026, 6, 1))
    case = Timeline("c", "seiso", "sodai-gomi", "OFFICIAL", opened, [(opened, date(2026, 6, 10))])
    case.corrections = [(_at(date(2026, 6, 2)), _at(date(2026, 6, 4)))]
    case.due.append((_at(date(2026, 6, 4)), date(2026, 6, 12)))
    before = risk.features_at(case, _at(date(2026, 6, 3)), 0)
    after = risk.features_at(case, _at(date(2026, 6, 5)), 0)
    assert before["stage"] == "correction" and after["stage"] == "new"
    assert (before["days_left"], after["days_left"]) == (5, 5)


def _history(n: int, seed: int) -> dict[str, Timeline]:
    """Cases of two procedures: 'slow' ones end late four times in five, 'fast' ones one time in ten."""
    rng = random.Random(seed)
    cases = {}
    start = _at(date(2024, 1, 4))
    for i in range(n):
        opened = start + timedelta(hours=rng.uniform(0, 24 * 500))
        slow = rng.random() < 0.5
        late = rng.random() < (0.8 if slow else 0.1)
        due = opened.date() + timedelta(days=30)
        closed = opened + timedelta(days=rng.uniform(31, 45) if late else rng.uniform(2, 28))
        case = Timeline(str(i), "d", "slow" if slow else "fast", "OFFICIAL", opened, [(opened, due)])
        case.closed, case.late = closed, late
        cases[str(i)] = case
    return cases


def test_the_held_back_evaluation_finds_a_real_signal_and_is_calibrated() -> None:
    rows = risk.snapshots(_history(1500, seed=1), now=_at(date(2025, 9, 1)))
    evaluation = risk.evaluate(rows)
    assert evaluation is not None
    assert evaluation.train_rows > evaluation.test_rows > 100
    assert evaluation.auc is not None and evaluation.auc > 0.75
    assert evaluation.brier is not None and evaluation.brier < 0.2
    for predicted, observed, count in evaluation.calibration:
        assert count > 0 and abs(predicted - observed) < 0.2


def test_without_the_procedure_signal_the_auc_falls_to_what_age_alone_tells() -> None:
    # given the same history twice, the second with procedures shuffled so they say nothing
    with_signal = risk.evaluate(risk.snapshots(_history(1500, seed=2), now=_at(date(2025, 9, 1))))
    cases = _history(1500, seed=2)
    rng = random.Random(3)
    for case in cases.values():
        case.procedure = rng.choice(["slow", "fast"])
    # when
    without = risk.evaluate(risk.snapshots(cases, now=_at(date(2025, 9, 1))))
    # then only what a case's age and days left tell remains (a case still open late in its period
    # is more often late), clearly below the model that knows the procedure
    assert with_signal is not None and without is not None
    assert with_signal.auc is not None and without.auc is not None
    assert without.auc < with_signal.auc - 0.1
    assert without.auc < 0.8


def test_reasons_name_the_procedure_that_raises_the_score() -> None:
    rows = [row for _day, row in risk.snapshots(_history(800, seed=4), now=_at(date(2025, 9, 1)))]
    predictor = risk.RiskPredictor.fit([r.features for r in rows], [bool(r.late) for r in rows])
    slow = next(r.features for r in rows if r.procedure == "slow")
    fast = next(r.features for r in rows if r.procedure == "fast")
    assert predictor.scores([slow])[0] > predictor.scores([fast])[0]
    assert ("procedure", "slow") in predictor.reasons([slow])[0]
    assert ("procedure", "fast") not in predictor.reasons([fast])[0]
    assert risk.RiskPredictor.load(predictor.dump()).scores([slow])[0] == predictor.scores([slow])[0]


def test_already_late_cases_are_no_training_rows() -> None:
    opened = _at(date(2025, 1, 6))
    case = Timeline("c", "d", "p", "OFFICIAL", opened, [(opened, date(2025, 1, 8))])
    assert risk.open_at([case], _at(date(2025, 1, 7))) != []
    assert risk.open_at([case], _at(date(2025, 1, 20))) == []
