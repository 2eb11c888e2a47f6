# SPDX-License-Identifier: MPL-2.0
"""The risk column and sort in the staff inbox, and the forecast and risk dashboards."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.cases.models import Case
from civicloop.insight.models import ArrivalForecast, CaseRisk, ForecastAccuracy, ForecastRun, RiskModel
from civicloop.testing.factories import CaseFactory, StaffFactory

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 11, 30)


@pytest.fixture(autouse=True)
def no_dashboard_cache(settings: Any) -> None:
    settings.ANALYTICS_CACHE_SECONDS = 0
    cache.clear()


@pytest.fixture
def clerk(catalog: None) -> User:
    return StaffFactory.create(username="clerk", department="seiso")


def _signed_in(user: User) -> Client:
    return sign_in_with_mfa(Client(), user)


def _score(case: Case, score: float, reasons: list[list[Any]]) -> None:
    CaseRisk.objects.create(case=case, department="seiso", classification=case.classification, procedure="sodai-gomi",
                            score=score, reasons=reasons, scored_at=timezone.now())  # fmt: skip


def test_the_inbox_sorts_by_risk_and_shows_each_score_with_its_reasons(clerk: User) -> None:
    # given three open cases scored 10 %, 90 % and 40 %, and one not scored yet
    low, high, medium, unscored = (CaseFactory.create() for _ in range(4))
    _score(low, 0.1, [])
    _score(high, 0.9, [["days_left", 2], ["stage", "correction"], ["procedure", "sodai-gomi"]])
    _score(medium, 0.4, [["workload", 31]])
    # when
    page = _signed_in(clerk).get(reverse("cases:case-list"), {"sort": "risk"}).content.decode()
    # then highest first, the unscored case last, and the reasons in Japanese
    order = [page.index(str(c.application.receipt_number)) for c in (high, medium, low, unscored)]
    assert order == sorted(order)
    assert "期限超過リスク" in page
    assert "90%" in page and "40%" in page
    assert "期限まで2営業日" in page
    assert "直近に終えた工程：住民の補正待ち" in page
    assert "手続き：粗大ごみ" in page
    assert "担当者の手持ち：31件" in page


def _forecast_run() -> ForecastRun:
    run = ForecastRun.objects.create(trained_until=MONDAY, model_name="MSTL(52) + AutoETS", library="statsforecast 2.1.1",
                                     season_weeks=52, horizon_weeks=12, history_weeks=156, backtest_origins=4, mase=0.8)  # fmt: skip
    for department, procedure, value in [
        ("seiso", "sodai-gomi", 30.0),
        ("seiso", "", 30.0),
        ("zeimu", "kazei-shomei", 99.0),
    ]:
        for i in range(4):
            ArrivalForecast.objects.create(run=run, department=department, procedure=procedure, classification="OFFICIAL",
                                           week=MONDAY - timedelta(weeks=4 - i), is_forecast=False, value=value - 2)  # fmt: skip
        for i in range(12):
            ArrivalForecast.objects.create(run=run, department=department, procedure=procedure, classification="OFFICIAL",
                                           week=MONDAY + timedelta(weeks=i), is_forecast=True, value=value, lo80=value - 5,
                                           hi80=value + 5, lo95=value - 8, hi95=value + 8,
                                           clerk_hours=value * 2 if procedure else None)  # fmt: skip
        ForecastAccuracy.objects.create(run=run, department=department, procedure=procedure, classification="OFFICIAL",
                                        weeks=48, model_mae=4.0, naive_mae=5.0, hours_per_case=2.0)  # fmt: skip
    return run


def test_the_forecast_page_shows_the_viewers_series_with_mase_beside_the_chart(clerk: User) -> None:
    _forecast_run()
    client = _signed_in(clerk)
    page = client.get(reverse("analytics:dashboard-detail", args=["forecast"])).content.decode()
    assert "需要予測" in page
    assert "MASE 0.80" in page  # the selection's backtest, beside the chart
    assert "粗大ごみ" in page
    assert "課税" not in page  # 税務課's series is not this clerk's to see
    csv = client.get(reverse("analytics:chart-export", args=["forecast", "forecast-procedures"])).content.decode()
    assert "粗大ごみ" in csv and "60.0" in csv  # clerk-hours per week
    data = client.get(reverse("analytics:dashboard-export", args=["forecast"])).json()
    staffing = next(c for c in data["charts"] if c["id"] == "forecast-staffing")
    assert len(staffing["rows"]) == 12


def test_the_risk_page_shows_auc_brier_and_the_calibration_curve(clerk: User) -> None:
    RiskModel.objects.create(trained_until=MONDAY, held_back_from=date(2026, 6, 1), train_rows=900, test_rows=300,
                             positive_rate=0.3, auc=0.812, brier=0.141, artifact=b"",
                             calibration=[[0.05 * i, 0.05 * i, 30] for i in range(1, 11)])  # fmt: skip
    _score(CaseFactory.create(), 0.7, [])
    page = _signed_in(clerk).get(reverse("analytics:dashboard-detail", args=["risk"])).content.decode()
    assert "AUC 0.812" in page and "ブライアスコア 0.141" in page
    assert 'data-chart="risk-calibration"' in page
    assert 'data-chart="risk-open"' in page


def test_both_pages_say_so_when_nothing_is_fitted_yet(clerk: User) -> None:
    client = _signed_in(clerk)
    assert (
        "予測はまだありません" in client.get(reverse("analytics:dashboard-detail", args=["forecast"])).content.decode()
    )
    assert (
        "リスクのモデルはまだありません"
        in client.get(reverse("analytics:dashboard-detail", args=["risk"])).content.decode()
    )


@pytest.mark.parametrize(
    ("days_left", "japanese", "english"),
    [
        (3, "期限まで3営業日", "3 business days to the due date"),
        (0, "本日が期限", "Due today"),
        (-2, "期限を2営業日超過", "2 business days past the due date"),
        (-5, "期限を5営業日以上超過", "5 or more business days past the due date"),  # the model's floor
    ],
)
def test_a_late_case_is_said_to_be_late_not_minus_days_away(days_left: int, japanese: str, english: str) -> None:
    from django.utils import translation

    from civicloop.insight.inbox import reason_text

    with translation.override("ja"):
        assert reason_text("days_left", days_left, {}) == japanese
    with translation.override("en"):
        assert reason_text("days_left", days_left, {}) == english
