# SPDX-License-Identifier: MPL-2.0
"""The JSON API's error bodies: a stable code for programs beside the text for people.

Every error answer under /api/ is `{"code": …, "message": …, "detail": …}` (docs/api.md, "Errors"):

- `code`: a stable snake_case name from `MESSAGES`; clients branch on it, never on text.
- `message`: for people, through gettext in the request's language (Japanese unless the caller
  chose English: core.middleware.JapaneseFirstLocaleMiddleware).
- `detail`: what the answer carried before codes existed, kept for v1 clients: a technical reason
  in English, or the list of request validation errors.

config/api.py fills in `code` and `message` for every error answer of the NinjaAPI; the few JSON
answers made outside it (429, 413) call `error_body` themselves.
"""

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicloop.core.text import UNUSABLE_TEXT

# Kept stable: a client that branches on a code keeps working whatever the text says.
MESSAGES: dict[str, Promise] = {
    "bad_request": _("The request could not be used. Nothing was changed."),
    "malformed_body": _("The request body could not be read. Nothing was changed."),
    "unusable_text": UNUSABLE_TEXT,
    "invalid_request": _("The request is missing fields or has values of the wrong kind. Nothing was changed."),
    "not_authenticated": _("Sign in, or send a valid access token."),
    "forbidden": _("This request is not allowed. Nothing was changed."),
    "missing_scope": _("This access token does not allow this operation. Nothing was changed."),
    "reauthentication_required": _("Confirm your second factor again, then try once more. Nothing was changed."),
    "not_permitted": _("You cannot take this step. Nothing was changed."),
    "residents_only": _("Only a signed-in resident can send applications. Nothing was sent."),
    "not_found": _("Not found, or not visible to you."),
    "method_not_allowed": _("This address does not accept this method."),
    "conflict": _("The request conflicts with the current state. Nothing was changed."),
    "case_already_claimed": _("Another member of staff claimed this case first. Nothing was changed."),
    "illegal_transition": _("This step is not open for this case now. Nothing was changed."),
    "request_too_large": _("The request is too large and was not accepted. Nothing was saved."),
    "invalid_input": _("Some of what was sent cannot be used. Nothing was changed."),
    "answers_invalid": _("The answers do not satisfy the form. Nothing was sent."),
    "idempotency_key_reused": _("This Idempotency-Key was already used for a different request. Nothing was sent."),
    "too_many_requests": _("Too many requests"),
    "unavailable": _("This service is not available just now. Please try again later."),
    "server_error": _("Something went wrong on our side. Nothing was changed; please try again later."),
}

# The code of an error answer that names none, by its HTTP status.
BY_STATUS: dict[int, str] = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "request_too_large",
    422: "invalid_input",
    429: "too_many_requests",
    503: "unavailable",
}


class ApiError(Exception):
    """Answer `status` with `code`'s message; `detail` and `extra` go into the body as they are."""

    def __init__(self, status: int, code: str, *, detail: Any = None, **extra: Any) -> None:
        if code not in MESSAGES:
            raise ValueError(f"unknown API error code {code!r}: add it to core.api_errors.MESSAGES")
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.detail = detail
        self.extra = extra


def code_for(status: int) -> str:
    """The code of an error answer that names none: by status, else the family's."""
    return BY_STATUS.get(status, "server_error" if status >= 500 else "bad_request")


def error_body(
    status: int, code: str | None = None, *, message: str | None = None, detail: Any = None, **extra: Any
) -> dict[str, Any]:
    """The body of an error answer, its message in the active language (`message` overrides it)."""
    name = code or code_for(status)
    text = message if message is not None else str(MESSAGES[name])
    return {"code": name, "message": text, "detail": text if detail is None else detail, **extra}
