# SPDX-License-Identifier: MPL-2.0
"""The shape of chat input; the rules (who may post, what a tier allows) are the actions'."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.collab.actions import MAX_BODY
from civicloop.collab.rules import Kind, effective_tier
from civicloop.core.models import TIER_NAMES, TIER_RANK, Classification

# The tiers a file may be shared at in chat (never TOP SECRET; the action also holds it to the channel's).
CHAT_FILE_TIERS = (Classification.OFFICIAL, Classification.SECRET)


class MessageForm(forms.Form):
    """A message's text, or a file with or without text; the file's tier (the channel's when left empty)."""

    body = forms.CharField(max_length=MAX_BODY, strip=True, required=False, label=_("Message"))
    parent = forms.UUIDField(required=False)
    file = forms.FileField(required=False, label=_("Attach a file (PDF, JPEG, PNG)"))
    file_classification = forms.ChoiceField(
        choices=[("", _("As the channel")), *((tier.value, TIER_NAMES[tier]) for tier in CHAT_FILE_TIERS)],
        required=False,
        label=_("File classification"),
    )

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if not data.get("body") and not data.get("file"):
            raise forms.ValidationError(_("Write a message or attach a file."))
        return data


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


def file_tiers_for(channel: Any) -> list[tuple[str, str]]:
    """The file tiers the compose form offers in `channel`: the channel's own first, none above it."""
    tier = effective_tier(channel)
    allowed = [t for t in CHAT_FILE_TIERS if TIER_RANK[t] <= TIER_RANK[Classification(tier)]]
    return [(t.value, str(TIER_NAMES[t])) for t in sorted(allowed, key=lambda t: t.value != tier)]
