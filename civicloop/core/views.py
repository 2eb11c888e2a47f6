# SPDX-License-Identifier: MPL-2.0
"""Answers to requests the server will not read: 413 for a body over the limit (docs/security.md, "Oversized requests")."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

from civicloop.core.api_errors import error_body


def request_too_large(request: HttpRequest) -> HttpResponse:
    """413, as JSON under /api/ or as a page, in the visitor's language; nothing of the request was used.

    Used by core.middleware.RequestBodyLimitMiddleware, the API's handler (config/api.py) and
    `bad_request` below, so every path that meets an oversized body answers the same.
    """
    megabytes = max(1, settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024))
    message = _(
        "The request is larger than %(mb)s MB and was not accepted. Nothing was saved; "
        "send less at once, or attach large files one at a time."
    ) % {"mb": megabytes}
    if request.path.startswith("/api/"):
        body = error_body(413, "request_too_large", message=message, max_bytes=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return JsonResponse(body, status=413)
    return render(request, "core/request_too_large.html", {"message": message}, status=413)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: Django answers an oversized form field with 400 (SuspiciousOperation); it is a 413."""
    if isinstance(exception, RequestDataTooBig):
        return request_too_large(request)
    return defaults.bad_request(request, exception)
