# SPDX-License-Identifier: MPL-2.0
"""The shape of the authoring pages' input; the actions enforce the rules."""

import base64
import binascii
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import Department, User
from civicloop.authoring.models import Document
from civicloop.core.models import TIER_NAMES, Classification


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)  # in the page's language (Department.__str__ is always Japanese)


class DocumentForm(forms.Form):
    """A new document: the tier by its name in the page's language, owned by one's own department."""

    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"class": "input"}))
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Document.Kind.choices, widget=forms.Select(attrs={"class": "input"})
    )
    classification = forms.ChoiceField(
        label=_("Classification"),
        choices=[(tier.value, TIER_NAMES[tier]) for tier in Classification],
        initial=Classification.OFFICIAL,
        widget=forms.Select(attrs={"class": "input input--short"}),
    )
    department = DepartmentChoiceField(
        label=_("Owning department"),
        queryset=Department.objects.none(),
        empty_label=None,  # one's own department is chosen; there is no "none"
        widget=forms.Select(attrs={"class": "input"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = user.departments.order_by("code")
        field.initial = field.queryset.first()


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name}（{obj.username}）"


class ReviewRequestForm(forms.Form):
    reviewers = PersonChoiceField(
        label=_("Reviewers"),
        queryset=User.objects.none(),
        widget=forms.SelectMultiple(attrs={"class": "input", "size": 6}),
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reviewers"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = candidates


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("changes", _("Request changes"))])
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "changes" and not str(data.get("comment", "")).strip():
            self.add_error("comment", _("Say which changes are needed."))
        return data


class DiffForm(forms.Form):
    a = forms.IntegerField(min_value=1)
    b = forms.IntegerField(min_value=1)


class Base64Field(forms.CharField):
    """Bytes sent as base64 (a Yjs relative position encoded by the editor)."""

    def to_python(self, value: Any) -> bytes:  # type: ignore[override]
        text = super().to_python(value)
        try:
            return base64.b64decode(text or "", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise forms.ValidationError(_("Not base64.")) from exc


class CommentForm(forms.Form):
    """A new thread: the words chosen (two Yjs relative positions and what they said) and the comment."""

    body = forms.CharField(max_length=2000)
    quote = forms.CharField(max_length=500)
    anchor_start = Base64Field(max_length=400)
    anchor_end = Base64Field(max_length=400)


class ReplyForm(forms.Form):
    body = forms.CharField(max_length=2000)


class ResolveForm(forms.Form):
    resolved = forms.BooleanField(required=False)


class SuggestionDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "accept"), ("reject", "reject")])
