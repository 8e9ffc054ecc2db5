"""Forms of the payment pages: they check the input's shape; the services decide."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils import dates, timezone
from django.utils.translation import gettext_lazy as _

from fablab.billing.models import PaymentMethod, PeriodKind
from fablab.billing.orders import MAX_PACK_QUANTITY, OFFLINE_METHODS
from fablab.billing.selectors import credit_packs_on_sale


class BuyPackForm(forms.Form):
    pack = forms.ModelChoiceField(
        label=_("Credit pack"),
        queryset=credit_packs_on_sale(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("This credit pack is not on sale.")},
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_PACK_QUANTITY, initial=1)


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


class OfflinePaymentForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Paid by"), choices=[(method, PaymentMethod(method).label) for method in OFFLINE_METHODS]
    )
    amount = forms.DecimalField(
        label=_("Amount received (€)"), min_value=Decimal("0.01"), max_value=Decimal("1000000"), decimal_places=2
    )
    reference = forms.CharField(
        label=_("Reference"), max_length=100, required=False, help_text=_("Cheque number, transfer reference…")
    )

    @property
    def amount_cents(self):
        return cents(self.cleaned_data["amount"])


class MandateForm(forms.Form):
    purchase_order = forms.CharField(label=_("Purchase-order number"), max_length=64)
    paying_body = forms.CharField(
        label=_("Paying body"), max_length=200, help_text=_("As it must appear on the invoice.")
    )
    paying_body_address = forms.CharField(
        label=_("Paying body address"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_date"].initial = timezone.localdate() + dt.timedelta(days=30)


class DeskRefundForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Refunded by"), choices=[(method, PaymentMethod(method).label) for method in OFFLINE_METHODS]
    )
    amount = forms.DecimalField(
        label=_("Amount refunded (€)"), min_value=Decimal("0.01"), max_value=Decimal("1000000"), decimal_places=2
    )
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        required=False,
        help_text=_("Cheque number, transfer reference… printed on the credit note."),
    )

    @property
    def amount_cents(self):
        return cents(self.cleaned_data["amount"])


class PeriodCloseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Close a"), choices=PeriodKind.choices, initial=PeriodKind.MONTH)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2999)
    month = forms.TypedChoiceField(
        label=_("Month"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", "—")] + [(number, dates.MONTHS[number]) for number in range(1, 13)],
        help_text=_("Leave empty to close a whole year."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
        self.fields["year"].initial = last_month.year
        self.fields["month"].initial = last_month.month

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == PeriodKind.MONTH and not cleaned.get("month"):
            self.add_error("month", _("Choose the month to close."))
        return cleaned
