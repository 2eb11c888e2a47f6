# SPDX-License-Identifier: MPL-2.0
"""`{% site_url 'name' %}` and `{% site_static 'path' %}`: `{% url %}` and `{% static %}` for the page frame,
each worked out once per process (civicloop/core/site_urls.py)."""

from django import template

from civicloop.core.site_urls import fixed_static, fixed_url

register = template.Library()


@register.simple_tag
def site_url(name: str) -> str:
    """The address of URL `name`, which takes no arguments."""
    return fixed_url(name)


@register.simple_tag
def site_static(path: str) -> str:
    """The address of static file `path`."""
    return fixed_static(path)
