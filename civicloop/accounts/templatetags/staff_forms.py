# SPDX-License-Identifier: MPL-2.0
"""Render allauth's form fields with the design system's input classes (templates/allauth/elements)."""

from django import forms, template
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def as_input(field: forms.BoundField) -> SafeString:
    """The field's widget with class="input" (or none for check boxes), and its hint and error tied to it."""
    attrs: dict[str, str | bool] = {}
    if not isinstance(field.field.widget, forms.CheckboxInput):
        attrs["class"] = "input input--textarea" if isinstance(field.field.widget, forms.Textarea) else "input"
    described = [f"{field.auto_id}-hint"] if field.help_text else []
    if field.errors:
        described.append(f"{field.auto_id}-error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)
