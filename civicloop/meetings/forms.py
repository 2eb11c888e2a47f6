# SPDX-License-Identifier: MPL-2.0
"""The shape of the meetings pages' input; the actions enforce the rules."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.colleagues import colleagues
from civicloop.accounts.models import Department, User
from civicloop.authoring.models import Document
from civicloop.core.models import TIER_NAMES, Classification
from civicloop.meetings.models import AgendaItem, Meeting


class _NamedChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        if isinstance(obj, User):
            return f"{obj.display_name}（{obj.username}）"
        if isinstance(obj, AgendaItem):
            return f"{obj.position}. {obj.title}"
        return str(getattr(obj, "name", obj))


class MeetingForm(forms.Form):
    """A new meeting, called by one of one's own departments; the time is entered in Asia/Tokyo."""

    title = forms.CharField(label=_("Meeting title"), max_length=200, widget=forms.TextInput(attrs={"class": "input"}))
    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "input input--short"}, format="%Y-%m-%dT%H:%M"
        ),
    )
    place = forms.CharField(label=_("Place"), max_length=200, widget=forms.TextInput(attrs={"class": "input"}))
    department = _NamedChoice(
        label=_("Calling department"),
        queryset=Department.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs={"class": "input"}),
    )
    classification = forms.ChoiceField(
        label=_("Classification"),
        choices=[(tier.value, TIER_NAMES[tier]) for tier in Classification if tier != Classification.TOP_SECRET],
        initial=Classification.OFFICIAL,
        widget=forms.Select(attrs={"class": "input input--short"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = user.departments.order_by("code")
        field.initial = field.queryset.first()


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Agenda item"), max_length=200, widget=forms.TextInput(attrs={"class": "input"}))
    presenter = forms.CharField(
        label=_("Presenter"), max_length=100, required=False, widget=forms.TextInput(attrs={"class": "input"})
    )
    duration_minutes = forms.IntegerField(
        label=_("Minutes allotted"),
        min_value=1,
        max_value=600,
        required=False,
        widget=forms.NumberInput(attrs={"class": "input input--short"}),
    )


class AttendeeForm(forms.Form):
    person = _NamedChoice(
        label=_("Attendee"),
        queryset=colleagues().filter(departments__isnull=False).distinct().order_by("username"),
        widget=forms.Select(attrs={"class": "input"}),
    )


class MaterialForm(forms.Form):
    """A document the sharer may open; the printed page count only where the estimate is wrong."""

    document = _NamedChoice(
        label=_("Document"), queryset=Document.objects.none(), widget=forms.Select(attrs={"class": "input"})
    )
    agenda_item = _NamedChoice(
        label=_("Agenda item"),
        queryset=AgendaItem.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "input"}),
    )
    page_count = forms.IntegerField(
        label=_("Printed pages (blank: estimated from the text)"),
        min_value=1,
        max_value=10_000,
        required=False,
        widget=forms.NumberInput(attrs={"class": "input input--short"}),
    )

    def __init__(self, *args: Any, meeting: Meeting, documents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        document = self.fields["document"]
        agenda_item = self.fields["agenda_item"]
        assert isinstance(document, forms.ModelChoiceField) and isinstance(agenda_item, forms.ModelChoiceField)
        document.queryset = documents.exclude(classification=Classification.TOP_SECRET).order_by("title")
        agenda_item.queryset = meeting.agenda.all()
