# SPDX-License-Identifier: MPL-2.0
"""`manage.py train_routing_model`, as `make run` calls it on every start."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from civicloop.intelligence import training
from civicloop.intelligence.models import RoutingModel

pytestmark = pytest.mark.django_db


def test_if_missing_trains_nothing_when_a_model_exists(routing_model: RoutingModel) -> None:
    out = StringIO()
    call_command("train_routing_model", if_missing=True, stdout=out)
    assert RoutingModel.objects.count() == 1 and out.getvalue() == ""


def test_it_says_it_is_training_and_draws_no_progress_bar_into_a_log(
    catalog: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # given: output that goes to a file (make run > log, CI), not a terminal: pytest's capture
    out = StringIO()

    # when
    call_command("train_routing_model", if_missing=True, no_eval=True, stdout=out)

    # then
    assert out.getvalue().startswith("training the inquiry-routing model")
    assert f"routing model v1: {len(training.load_examples())} examples" in out.getvalue()
    assert "training:" not in capsys.readouterr().err  # tqdm's bar, one carriage-return line per fit


def test_starting_the_project_does_not_import_scikit_learn(tmp_path: Path) -> None:
    # Every process (each manage.py command, the web server, the worker) loads the URLconf and the
    # apps; scikit-learn alone took seconds of each start. Only training and suggesting need it.
    probe = (
        "import sys, django; django.setup(); from django.urls import get_resolver; "
        "get_resolver().url_patterns; print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'joblib'}))"
    )
    env = {**os.environ, "CIVICLOOP_DEBUG": "1", "CIVICLOOP_VAR_DIR": str(tmp_path)}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", probe], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_full_training_stores_and_prints_cross_validated_and_held_out_figures_with_calibration(
    catalog: None,
) -> None:
    out = StringIO()

    call_command("train_routing_model", stdout=out)

    model = RoutingModel.objects.get(is_active=True)
    assert model.cv_top1_accuracy is not None and model.cv_top3_accuracy is not None
    assert 0.0 < model.cv_top1_accuracy <= model.cv_top3_accuracy <= 1.0
    assert model.cv_brier is not None and 0.0 < model.cv_brier < 2.0
    assert model.cv_ece is not None and 0.0 <= model.cv_ece < 1.0
    assert model.heldout_top1_accuracy is not None and model.heldout_top3_accuracy is not None
    # every cross-validated question lands in exactly one reliability bin
    assert sum(b["count"] for b in model.confusion["reliability"]) == model.train_examples
    assert f"ECE {model.cv_ece:.3f}" in out.getvalue() and "held-out top-1" in out.getvalue()
