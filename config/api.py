# SPDX-License-Identifier: MPL-2.0
"""The JSON API: one NinjaAPI, one Router per app."""

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.openapi.schema import OpenAPISchema

from civicloop.applications.api import router as applications_router
from civicloop.backoffice.api import router as backoffice_router
from civicloop.backoffice.openapi import declare_scopes
from civicloop.catalog.api import router as catalog_router
from civicloop.core.api_errors import ApiError, error_body
from civicloop.core.views import request_too_large
from civicloop.devices.api import router as devices_router
from civicloop.intelligence.api import router as intelligence_router


class API(NinjaAPI):
    """NinjaAPI, with each back-office operation's OAuth2 scope in its security requirement, and
    every error answer carrying a stable `code` and a `message` in the request's language
    (core.api_errors; docs/api.md, "Errors")."""

    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        # Ninja's own refusals (404, 401, CSRF, throttling, validation) and the routes' error
        # returns all pass here; a body that already names its code is left as it is.
        code = temporal_response.status_code if temporal_response else status
        if code is not None and code >= 400 and isinstance(data, dict) and "code" not in data:
            data = error_body(code, **data)
        return super().create_response(request, data, status=status, temporal_response=temporal_response)

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


@api.exception_handler(ApiError)
def named_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    """An error raised with its code (core.api_errors.ApiError), by a route or an auth class."""
    body = error_body(exc.status, exc.code, detail=exc.detail, **exc.extra)
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(ValidationError)
def invalid_request(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """The request does not fit the operation's schema: `detail` stays ninja's list of errors."""
    return api.create_response(request, error_body(422, "invalid_request", detail=exc.errors), status=422)


@api.exception_handler(MultiPartParserError)
def malformed_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    """A body that claims to be multipart but is not (no boundary, broken parts) is the client's error."""
    body = error_body(400, "malformed_body", detail=f"malformed request body: {exc}")
    return api.create_response(request, body, status=400)


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
