# SPDX-License-Identifier: MPL-2.0
"""Addresses every page's frame shows, worked out once per process instead of on every request.

templates/base.html names the same seven pages (home, catalogue, help, notices, sign in and out,
the language switch) and five static files on every page. Django's `reverse()` walks the URL
resolver and `static()` the manifest of hashed names each time: together about a sixth of a
catalogue page's CPU (bench/README.md, "Load"). Their answers change only with the URL table, the
script prefix or the static files' storage: the reverse is kept per script prefix, and both are
forgotten when a test changes one of those settings. Only names without arguments go through
here; a URL with an id is still reversed per request.
"""

import functools
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse

# Settings that change what a name or a static path resolves to.
_SOURCES = frozenset({"ROOT_URLCONF", "FORCE_SCRIPT_NAME", "STATIC_URL", "STORAGES", "DEBUG"})


def fixed_url(name: str) -> str:
    """`reverse(name)` for a URL name without arguments, worked out once per script prefix."""
    return _reversed(name, get_script_prefix())


def fixed_static(path: str) -> str:
    """`static(path)`: the file's (hashed) address, looked up once per process."""
    return _static(path)


@functools.cache
def _reversed(name: str, prefix: str) -> str:
    # `prefix` is only the key: reverse() reads the same script prefix itself.
    return reverse(name)


@functools.cache
def _static(path: str) -> str:
    return static(path)


@receiver(setting_changed)
def _forget(*, setting: str, **_kwargs: Any) -> None:
    if setting in _SOURCES:
        _reversed.cache_clear()
        _static.cache_clear()
