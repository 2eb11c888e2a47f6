# SPDX-License-Identifier: MPL-2.0
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.defaults import page_not_found

from civicloop.core.views import request_too_large

# No inline script anywhere: every script is a static file, so 'self' is enough.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self' {form_action}; "
    "frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


class SecurityHeadersMiddleware:
    """Adds the headers Django's SecurityMiddleware does not: CSP and Permissions-Policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/docs"):
            # Swagger UI (served locally by ninja) needs its own inline bootstrap.
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
                "img-src 'self' data:; frame-ancestors 'none'",
            )
        else:
            response.headers.setdefault(
                "Content-Security-Policy", CONTENT_SECURITY_POLICY.format(form_action=settings.OIDC_ISSUER)
            )
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class JapaneseFirstLocaleMiddleware:
    """Japanese unless the visitor chose English with the switch (a cookie), whatever the browser says.

    A ward's portal speaks Japanese first; a browser's Accept-Language is often English on shared
    or borrowed devices, so only an explicit choice changes the language. The one exception is a
    program calling the JSON API without a session (an integration client, a script): it has no
    switch to press, so its Accept-Language chooses, and Japanese stays the default.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = _language_of(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie", "Accept-Language"] if _is_api(request) else ["Cookie"])
        return response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _language_of(request: HttpRequest) -> str:
    languages = dict(settings.LANGUAGES)
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen in languages:
        return chosen
    # A browser with a session calls the API from the site's pages: it answers as they do.
    if _is_api(request) and settings.SESSION_COOKIE_NAME not in request.COOKIES:
        for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
            base = code.split("-")[0].lower()
            if base in languages:
                return base
    return str(settings.LANGUAGE_CODE)


class RequestBodyLimitMiddleware:
    """413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE, decided on Content-Length before anything reads it.

    Django raises RequestDataTooBig wherever the body is first read (the CSRF check, a form, the
    API's parser), which became a 400, or a 500 from the API with DEBUG on. Multipart bodies pass: their
    files stream to disk and only their other fields count, which Django checks while parsing —
    config/api.py and core.views.bad_request turn that into the same 413.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        is_multipart = (request.content_type or "").startswith("multipart/")
        if not is_multipart and _declared_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return request_too_large(request)
        return self.get_response(request)


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:  # Django's own reading treats a malformed length as no body
        return 0


class SiteNotFoundPageMiddleware:
    """With DEBUG on, a missing page is still the site's templates/404.html, not Django's technical page.

    Django answers a 404 with its technical page (English, listing every URL pattern) whenever DEBUG is
    on, and offers no setting for it: `response_for_exception` decides before any middleware sees the
    response. So with DEBUG on this middleware answers the two ways a 404 arises itself — an address
    no pattern matches (checked here, before the view would be looked for) and an Http404 a view
    raises — with the view production uses. Tracebacks for errors stay technical. Off when DEBUG is
    off (nothing to do) or when CIVICLOOP_DEBUG_404 asks for the technical page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _site_404_in_debug():
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exc:
                return page_not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404) and _site_404_in_debug():
            return page_not_found(request, exception)
        return None


def _site_404_in_debug() -> bool:
    return settings.DEBUG and not settings.DEBUG_TECHNICAL_404
