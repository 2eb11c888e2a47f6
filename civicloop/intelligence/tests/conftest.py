# SPDX-License-Identifier: MPL-2.0
from functools import cache

import pytest

from civicloop.intelligence import training
from civicloop.intelligence.models import RoutingModel


@cache
def _shipped_router_blob() -> tuple[bytes, int]:
    examples = training.load_examples()
    return training.dumps(training.train_router(examples)), len(examples)


@pytest.fixture
def routing_model(catalog: None) -> RoutingModel:
    """A model trained once per test session on the shipped set, stored as version 1."""
    blob, count = _shipped_router_blob()
    return RoutingModel.objects.create(version=1, train_examples=count, train_seconds=0.0, artifact=blob)
