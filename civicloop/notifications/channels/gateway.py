# SPDX-License-Identifier: MPL-2.0
"""The HTTP call the SMS and LINE gateway adapters share: one place that maps answers to retry or give up."""

from collections.abc import Mapping
from typing import Any

import requests

from civicloop.notifications.channels.base import DeliveryError, PermanentFailure

# 4xx answers that a later attempt can fix: timeout at the gateway, rate limit.
_RETRYABLE_CLIENT_ERRORS = {408, 425, 429}


def post_json(url: str, payload: Mapping[str, Any], *, headers: Mapping[str, str], timeout: float) -> requests.Response:
    """POST `payload`; return the 2xx response, else raise DeliveryError (retry) or PermanentFailure."""
    try:
        response = requests.post(url, json=dict(payload), headers=dict(headers), timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        raise DeliveryError(f"{type(exc).__name__}: {str(exc)[:200]}") from exc
    if 200 <= response.status_code < 300:
        return response
    detail = f"HTTP {response.status_code}: {response.text[:200]}"
    if 400 <= response.status_code < 500 and response.status_code not in _RETRYABLE_CLIENT_ERRORS:
        raise PermanentFailure(detail)
    raise DeliveryError(detail)
