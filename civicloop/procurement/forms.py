# SPDX-License-Identifier: MPL-2.0
"""Forms check shape and format; the actions enforce the rules."""

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import Department, User
from civicloop.procurement.corporate_number import validate_corporate_number
from civicloop.procurement.models import (
    Authentication,
    DataLocation,
    Decision,
    Grade,
    IsmapStatus,
    Lot,
    PriceApproach,
    QualificationCategory,
    SupplierSize,
)

_DATE = forms.DateInput(attrs={"type": "date"})
_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class StyledForm(forms.Form):
    """Gives each control the design system's class (civicloop.css: .input, .input--textarea)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Textarea):
                widget.attrs.setdefault("class", "input input--textarea")
            elif (isinstance(widget, forms.Select) and not isinstance(widget, forms.RadioSelect)) or (
                isinstance(widget, forms.widgets.Input) and widget.input_type not in ("checkbox", "radio", "hidden")
            ):
                widget.attrs.setdefault("class", "input")


class RegistrationForm(StyledForm):
    corporate_number = forms.CharField(
        label=_("Corporate number"),
        max_length=13,
        validators=[validate_corporate_number],
        help_text=_("13 digits, as the National Tax Agency assigned it."),
    )
    name = forms.CharField(label=_("Company name"), max_length=200)
    name_kana = forms.CharField(label=_("Company name (kana)"), max_length=200, required=False)
    name_en = forms.CharField(label=_("Company name (English)"), max_length=200, required=False)
    size = forms.ChoiceField(label=_("Company size"), choices=SupplierSize.choices)
    postcode = forms.CharField(label=_("Postcode"), max_length=8, required=False)
    address = forms.CharField(label=_("Address"), max_length=400)
    is_local = forms.BooleanField(label=_("Based in the municipality"), required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=200)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail (your sign-in)"))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)

    def clean_corporate_number(self) -> str:
        from civicloop.procurement.models import Supplier

        value = str(self.cleaned_data["corporate_number"])
        if Supplier.objects.filter(corporate_number=value).exists():
            raise forms.ValidationError(_("This company is registered already. Ask its administrator to add you."))
        return value

    def clean_email(self) -> str:
        value = str(self.cleaned_data["email"]).lower()
        if User.objects.filter(username=value).exists():
            raise forms.ValidationError(_("An account with this e-mail exists already."))
        return value

    def clean_password(self) -> str:
        value = str(self.cleaned_data["password"])
        validate_password(value)
        return value

    def company(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = ("corporate_number", "name", "name_kana", "name_en", "size", "postcode", "address", "is_local")
        return {
            **{k: data[k] for k in fields},
            "contact_name": data["contact_name"],
            "contact_email": data["email"],
            "contact_phone": data["contact_phone"],
        }


class QualificationForm(StyledForm):
    categories = forms.MultipleChoiceField(
        label=_("Categories"), choices=QualificationCategory.choices, widget=forms.CheckboxSelectMultiple
    )
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices)
    valid_from = forms.DateField(label=_("Valid from"), widget=_DATE)
    valid_until = forms.DateField(label=_("Valid until"), widget=_DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("valid_from") and data.get("valid_until") and data["valid_until"] < data["valid_from"]:
            raise forms.ValidationError(_("The end of validity comes after its start."))
        return data


class ServiceForm(StyledForm):
    lot = forms.ChoiceField(label=_("Lot"), choices=Lot.choices)
    name = forms.CharField(label=_("Service name"), max_length=200)
    name_en = forms.CharField(label=_("Service name (English)"), max_length=200, required=False)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}))
    features = forms.CharField(
        label=_("Features (one a line)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    unit_price = forms.IntegerField(label=_("Price from (yen)"), min_value=0, required=False)
    pricing_unit = forms.CharField(label=_("Pricing unit"), max_length=100, required=False)

    def service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["features"] = [line.strip() for line in data["features"].splitlines() if line.strip()]
        return data


class SecurityForm(StyledForm):
    ismap = forms.ChoiceField(label="ISMAP", choices=IsmapStatus.choices)
    ismap_registration = forms.CharField(label=_("ISMAP registration number"), max_length=40, required=False)
    iso27001 = forms.BooleanField(label="ISO/IEC 27001", required=False)
    iso27001_certificate = forms.CharField(label=_("ISO/IEC 27001 certificate number"), max_length=60, required=False)
    privacy_mark = forms.BooleanField(label=_("Privacy Mark (Pマーク)"), required=False)
    privacy_mark_number = forms.CharField(label=_("Privacy Mark registration number"), max_length=40, required=False)
    data_location = forms.ChoiceField(label=_("Where data is stored"), choices=DataLocation.choices)
    encrypted_at_rest = forms.BooleanField(label=_("Encrypted at rest"), required=False)
    encrypted_in_transit = forms.BooleanField(label=_("Encrypted in transit (TLS 1.2 or later)"), required=False)
    authentication = forms.ChoiceField(label=_("Sign-in for users"), choices=Authentication.choices)
    incident_response = forms.CharField(
        label=_("Incident response (contact, hours, time to report)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    expires_on = forms.DateField(label=_("Declaration valid until"), widget=_DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("ismap") in (IsmapStatus.ISMAP, IsmapStatus.ISMAP_LIU) and not data.get("ismap_registration"):
            self.add_error("ismap_registration", _("Give the registration number."))
        if data.get("iso27001") and not data.get("iso27001_certificate"):
            self.add_error("iso27001_certificate", _("Give the certificate number."))
        if data.get("privacy_mark") and not data.get("privacy_mark_number"):
            self.add_error("privacy_mark_number", _("Give the registration number."))
        return data


class VerifyForm(StyledForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TenderForm(StyledForm):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    description = forms.CharField(label=_("Requirement"), widget=forms.Textarea(attrs={"rows": 4}))
    lots = forms.MultipleChoiceField(label=_("Lots"), choices=Lot.choices, widget=forms.CheckboxSelectMultiple)
    minimum_grade = forms.ChoiceField(label=_("Minimum qualification grade"), choices=Grade.choices)
    price_approach = forms.ChoiceField(label=_("Price approach"), choices=PriceApproach.choices)
    estimate = forms.IntegerField(label=_("Estimate (yen)"), min_value=1)
    questions_deadline = forms.DateTimeField(label=_("Questions close (Japan time)"), widget=_DATETIME)
    bid_deadline = forms.DateTimeField(label=_("Bids close (Japan time)"), widget=_DATETIME)
    criteria = forms.CharField(
        label=_(
            "Criteria (one a line: name | English name, weight; the English name may be left out; "
            "the price line ends with ', price')"
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        initial="価格 | Price, 40, price\n機能 | Functionality, 40\nサポート体制 | Support, 20",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = user.departments.all()
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        if len(departments) == 1:  # a clerk of one 課 tenders for it: no empty choice to trip on
            self.fields["department"].initial = departments[0]
            self.fields["department"].empty_label = None  # type: ignore[attr-defined]

    def clean_criteria(self) -> list[dict[str, Any]]:
        rows = []
        for line in self.cleaned_data["criteria"].splitlines():
            parts = [p.strip() for p in line.replace("、", ",").split(",") if p.strip()]
            if not parts:
                continue
            if len(parts) < 2 or not parts[1].isdigit():
                raise forms.ValidationError(_("Write each criterion as: name, weight."))
            # 「機能 | Functionality」: the Japanese name, then the English one for English pages and OCDS.
            name, _bar, name_en = (n.strip() for n in parts[0].replace("｜", "|").partition("|"))
            if not name:
                raise forms.ValidationError(_("Write each criterion as: name, weight."))
            if len(name) > 200 or len(name_en) > 200:
                raise forms.ValidationError(_("A criterion's name is at most 200 characters."))
            is_price = parts[2:] in (["price"], ["価格"])
            rows.append({"name": name, "name_en": name_en, "weight": int(parts[1]), "is_price": is_price})
        if sum(r["weight"] for r in rows) != 100:
            raise forms.ValidationError(_("The criteria's weights must add up to 100."))
        return rows

    def fields_for_tender(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = (
            "title",
            "title_en",
            "description",
            "lots",
            "minimum_grade",
            "price_approach",
            "estimate",
            "questions_deadline",
            "bid_deadline",
        )
        return {name: data[name] for name in names}


class QuestionForm(StyledForm):
    text = forms.CharField(
        label=_("Question to the department"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class AnswerForm(StyledForm):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}), max_length=8000)


class BidForm(StyledForm):
    service = forms.ChoiceField(label=_("The service you offer"))
    price = forms.IntegerField(label=_("Price (yen, tax included)"), min_value=1)
    proposal = forms.CharField(label=_("Proposal"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000)

    def __init__(self, *args: Any, services: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = services  # type: ignore[attr-defined]


class ConflictForm(StyledForm):
    has_conflict = forms.TypedChoiceField(
        label=_("Do you have a conflict of interest with any bidder?"),
        choices=[("no", _("No conflict")), ("yes", _("I have a conflict"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    detail = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ContractForm(StyledForm):
    starts_on = forms.DateField(label=_("Starts on"), widget=_DATE)
    ends_on = forms.DateField(label=_("Ends on"), widget=_DATE)


class DirectAwardForm(StyledForm):
    service = forms.UUIDField(widget=forms.HiddenInput)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    value = forms.IntegerField(label=_("Value (yen)"), min_value=1)
    reason = forms.CharField(label=_("Why this service"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = user.departments.all()  # type: ignore[attr-defined]


class SupplierDocumentForm(StyledForm):
    """A registration document: what it is, and the file (checked by actions.check_supplier_document)."""

    title = forms.CharField(
        label=_("What the document is"),
        max_length=200,
        help_text=_("For example: 登記事項証明書, 納税証明書, ISO/IEC 27001 certificate."),
    )
    # An empty file reaches the action, whose message names the file (Django's does not).
    file = forms.FileField(
        label=_("File"),
        allow_empty_file=True,
        help_text=_("PDF, JPEG or PNG, up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )
