# SPDX-License-Identifier: MPL-2.0
"""Production URLs plus the bench-only baseline endpoint (reached only with bench.settings)."""

from django.urls import path

from bench.views import baseline
from config.urls import urlpatterns as production_urlpatterns

urlpatterns = [
    path("bench/baseline/", baseline),
    *production_urlpatterns,
]
