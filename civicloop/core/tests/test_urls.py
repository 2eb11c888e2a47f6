# SPDX-License-Identifier: MPL-2.0
"""The URL table's order is safe: config/urls.py matches api/ first, so nothing else may live there."""

from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, resolve

from config.api import api


def _routes(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def test_only_the_json_api_lives_under_api() -> None:
    root = get_resolver()
    api_entry = root.url_patterns[0]
    assert isinstance(api_entry, URLResolver) and str(api_entry.pattern) == "api/"
    rest = URLResolver(api_entry.pattern, root.url_patterns[1:])
    assert [route for route, _ in _routes(rest) if route.startswith("api")] == []


def test_an_api_path_and_a_page_resolve_as_before() -> None:
    assert resolve("/api/applications").url_name is not None
    assert resolve("/api/applications").namespace == api.urls_namespace
    assert resolve("/").url_name == "home"
