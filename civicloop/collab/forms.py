# SPDX-License-Identifier: MPL-2.0
"""The shape of chat input; the rules (who may post, what a tier allows) are the actions'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.collab.actions import MAX_BODY
from civicloop.collab.rules import Kind
from civicloop.core.models import TIER_NAMES, Classification


class MessageForm(forms.Form):
    body = forms.CharField(max_length=MAX_BODY, strip=True, label=_("Message"))
    parent = forms.UUIDField(required=False)


class EditForm(forms.Form):
    body = forms.CharField(max_length=MAX_BODY, strip=True, label=_("Message"))


class SearchForm(forms.Form):
    q = forms.CharField(max_length=100, strip=True, label=_("Search messages"))


class ConversationForm(forms.Form):
    """A direct or group conversation: whom (usernames, separated by spaces or commas), its name and tier."""

    kind = forms.ChoiceField(
        choices=[(Kind.DIRECT.value, _("Direct message")), (Kind.GROUP.value, _("Group"))], label=_("Kind")
    )
    usernames = forms.CharField(max_length=500, label=_("With (user names)"))
    name = forms.CharField(max_length=100, required=False, label=_("Name"))
    classification = forms.ChoiceField(
        choices=[(tier.value, TIER_NAMES[tier]) for tier in (Classification.OFFICIAL, Classification.SECRET)],
        initial=Classification.OFFICIAL,
        label=_("Classification"),
    )

    def names(self) -> list[str]:
        raw: str = self.cleaned_data["usernames"]
        return [n.lstrip("@") for n in raw.replace(",", " ").split() if n.strip("@")]
