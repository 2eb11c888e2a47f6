# SPDX-License-Identifier: MPL-2.0
"""Production refuses the demo (docs/security.md, "Production refuses the demo").

The demo provider lets anyone sign in as any demo resident, and the demo CA signs result documents
with a key anyone running this code can make. `manage.py check --deploy` reports both as errors
whenever the demo is on, and the web process will not start with the demo on and DEBUG off unless
CIVICLOOP_DEMO_ON_PUBLIC_SITE=I-understand — kept for staging and training sites, which would
otherwise turn DEBUG on (tracebacks and settings on every error page) just to get demo data.
"""

import logging
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

HINT = "Unset CIVICLOOP_DEMO in production (docs/security.md, 'Production refuses the demo')."


@register(Tags.security, deploy=True)
def demo_off_in_production(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if not settings.DEMO_ENABLED:
        return []
    errors: list[CheckMessage] = [
        Error(
            "CIVICLOOP_DEMO is on: the demo identity provider at /demo-idp/ lets anyone sign in as any demo resident.",
            hint=HINT,
            id="demo.E001",
        )
    ]
    if not (settings.SIGNING_KEY_FILE or settings.SIGNING_CERT_FILE):
        errors.append(
            Error(
                "CIVICLOOP_DEMO is on and no signing key is set: result documents are signed by the demo CA, "
                "whose key anyone running civicloop can make.",
                hint="Set CIVICLOOP_SIGNING_KEY_FILE, CIVICLOOP_SIGNING_CERT_FILE and CIVICLOOP_SIGNING_CHAIN_FILES "
                "(docs/documents.md), and unset CIVICLOOP_DEMO.",
                id="demo.E002",
            )
        )
    return errors


def refuse_public_demo() -> None:
    """Stop the web process (config/wsgi.py, config/asgi.py) when the demo is on with DEBUG off.

    Raises ImproperlyConfigured unless CIVICLOOP_DEMO_ON_PUBLIC_SITE=I-understand, which is then
    logged as a warning at every start so it cannot be forgotten.
    """
    if not settings.DEMO_ENABLED or settings.DEBUG:
        return
    if not settings.DEMO_ON_PUBLIC_SITE:
        raise ImproperlyConfigured(
            "Refusing to start: CIVICLOOP_DEMO is on with CIVICLOOP_DEBUG off. The demo identity provider "
            "lets anyone sign in as any demo resident and the demo CA signs documents. "
            + HINT
            + " A staging site that needs demo data sets CIVICLOOP_DEMO_ON_PUBLIC_SITE=I-understand."
        )
    logger.warning(
        "CIVICLOOP_DEMO_ON_PUBLIC_SITE=I-understand: the demo identity provider (anyone signs in as any demo "
        "resident) and the demo signing CA are live on this site. Never do this with real residents' data."
    )
