# SPDX-License-Identifier: MPL-2.0
"""The JSON API: one NinjaAPI, one Router per app."""

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from civicloop.applications.api import router as applications_router
from civicloop.backoffice.api import router as backoffice_router
from civicloop.backoffice.openapi import declare_scopes
from civicloop.catalog.api import router as catalog_router
from civicloop.core.views import request_too_large
from civicloop.devices.api import router as devices_router
from civicloop.intelligence.api import router as intelligence_router


class API(NinjaAPI):
    """NinjaAPI, with each back-office operation's OAuth2 scope in its security requirement."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        declare_scopes(schema, self, backoffice_router)
        return schema


api = API(
    title="civicloop API",
    version="1",
    description="Procedures (手続き), a resident's own applications, and the back office at /api/v1/backoffice (docs/api.md).",
    urls_namespace="api",
)


@api.exception_handler(MultiPartParserError)
def malformed_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    """A body that claims to be multipart but is not (no boundary, broken parts) is the client's error."""
    return api.create_response(request, {"detail": f"malformed request body: {exc}"}, status=400)


@api.exception_handler(RequestDataTooBig)
def body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """Multipart fields over the limit (other bodies are stopped earlier, by RequestBodyLimitMiddleware)."""
    return request_too_large(request)


api.add_router("/procedures", catalog_router, tags=["catalogue"])
api.add_router("/applications", applications_router, tags=["applications"])
api.add_router("", intelligence_router, tags=["inquiries and FAQ"])
api.add_router("/devices", devices_router, tags=["devices"])
# Versioned: integrators depend on it (docs/api.md). The routes above predate versioning.
api.add_router("/v1/backoffice", backoffice_router)
