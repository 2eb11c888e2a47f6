# SPDX-License-Identifier: MPL-2.0
import base64
from urllib.parse import unquote, urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from civicloop.demo import idp
from civicloop.demo.residents import DEMO_RESIDENTS, find_resident

_AUTH_PARAMS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)


def discovery(request: HttpRequest) -> JsonResponse:
    return JsonResponse(idp.discovery())


def jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"keys": [idp.signing_key().as_dict(private=False)]})


def authorize(request: HttpRequest) -> HttpResponse:
    params = {name: (request.POST if request.method == "POST" else request.GET).get(name, "") for name in _AUTH_PARAMS}
    if params["client_id"] != settings.OIDC_CLIENT_ID or params["redirect_uri"] not in idp.registered_redirect_uris():
        return HttpResponseBadRequest("unknown client or redirect URI")
    if params["response_type"] != "code" or params["code_challenge_method"] != "S256" or not params["code_challenge"]:
        return _error_redirect(params, "invalid_request", "code flow with PKCE (S256) is required")
    if request.method == "POST":
        if "cancel" in request.POST:
            return _error_redirect(params, "access_denied", "the resident cancelled")
        resident = find_resident(request.POST.get("resident", ""))
        if resident is not None:
            code = idp.issue_code(
                resident=resident,
                client_id=params["client_id"],
                redirect_uri=params["redirect_uri"],
                challenge=params["code_challenge"],
                nonce=params["nonce"],
                scope=params["scope"],
            )
            return redirect(f"{params['redirect_uri']}?{urlencode({'code': code, 'state': params['state']})}")
    return render(request, "demo/authorize.html", {"params": params, "residents": DEMO_RESIDENTS})


def _error_redirect(params: dict[str, str], error: str, description: str) -> HttpResponse:
    query = urlencode({"error": error, "error_description": description, "state": params["state"]})
    return redirect(f"{params['redirect_uri']}?{query}")


@csrf_exempt
@require_POST
def token(request: HttpRequest) -> JsonResponse:
    client_id, client_secret = request.POST.get("client_id", ""), request.POST.get("client_secret", "")
    basic = request.headers.get("Authorization", "")
    if basic.startswith("Basic "):
        try:
            raw_id, _, raw_secret = base64.b64decode(basic[6:]).decode().partition(":")
            client_id, client_secret = unquote(raw_id), unquote(raw_secret)
        except (ValueError, UnicodeDecodeError):
            return JsonResponse({"error": "invalid_client"}, status=401)
    if request.POST.get("grant_type") != "authorization_code":
        return JsonResponse({"error": "unsupported_grant_type"}, status=400)
    try:
        body = idp.exchange_code(
            code=request.POST.get("code", ""),
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=request.POST.get("redirect_uri", ""),
            verifier=request.POST.get("code_verifier", ""),
        )
    except idp.TokenError as exc:
        return JsonResponse({"error": exc.error, "error_description": exc.description}, status=400)
    response = JsonResponse(body)
    response["Cache-Control"] = "no-store"
    return response


def userinfo(request: HttpRequest) -> JsonResponse:
    auth = request.headers.get("Authorization", "")
    resident = idp.resident_for_access_token(auth[7:]) if auth.startswith("Bearer ") else None
    if resident is None:
        return JsonResponse({"error": "invalid_token"}, status=401)
    return JsonResponse(idp.claims_for(resident))
