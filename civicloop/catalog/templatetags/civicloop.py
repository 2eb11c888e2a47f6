# SPDX-License-Identifier: MPL-2.0
from typing import Any

from django import template
from django.template.base import FilterExpression
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from civicloop.catalog import versioned_cache
from civicloop.core.language import is_english

register = template.Library()


@register.filter
def tr(value: Any) -> str:
    """A {ja, en} mapping from a catalogue file, in the active language."""
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    english = is_english()
    return str(value.get("en" if english else "ja") or value.get("ja") or "")


@register.filter
def yen(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return ""


class CatalogFragmentNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: str, parts: list[FilterExpression]) -> None:
        self.nodelist, self.name, self.parts = nodelist, name, parts

    def render(self, context: template.Context) -> str:
        parts = [part.resolve(context) for part in self.parts]
        entry = versioned_cache.key("fragment", self.name, get_language(), *parts)
        if entry is None:
            return self.nodelist.render(context)
        hit = versioned_cache.load(entry)
        if isinstance(hit, str):
            return mark_safe(hit)  # noqa: S308 — HTML this template rendered and escaped before
        html = self.nodelist.render(context)
        versioned_cache.store(entry, str(html))
        return html


@register.tag("catalogcache")
def catalog_cache(parser: template.base.Parser, token: template.base.Token) -> CatalogFragmentNode:
    """`{% catalogcache "name" part… %}…{% endcatalogcache %}`: the HTML kept per catalogue version and language.

    For what every visitor sees alike: never around `user`, `request`, `{% csrf_token %}`, messages
    or anything else per visitor; `part…` are the page's own variables (a procedure's code), never
    free text from the request (each value would be a new entry). See catalog/versioned_cache.py.
    """
    bits = token.split_contents()[1:]
    if not bits or bits[0][0] not in "\"'" or bits[0][0] != bits[0][-1]:
        raise template.TemplateSyntaxError("catalogcache needs a quoted fragment name first")
    nodelist = parser.parse(("endcatalogcache",))
    parser.delete_first_token()
    return CatalogFragmentNode(nodelist, bits[0][1:-1], [parser.compile_filter(bit) for bit in bits[1:]])
