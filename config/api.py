# SPDX-License-Identifier: MPL-2.0
"""The JSON API: one NinjaAPI, one Router per app."""

from ninja import NinjaAPI

from civicloop.applications.api import router as applications_router
from civicloop.catalog.api import router as catalog_router
from civicloop.intelligence.api import router as intelligence_router

api = NinjaAPI(
    title="civicloop API",
    version="1",
    description="Procedures (手続き) and a resident's own applications.",
    urls_namespace="api",
)
api.add_router("/procedures", catalog_router, tags=["catalogue"])
api.add_router("/applications", applications_router, tags=["applications"])
api.add_router("", intelligence_router, tags=["inquiries and FAQ"])
