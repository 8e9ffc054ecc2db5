"""Payment pages: credit packs, a member's orders, the Stripe return pages, staff's desk, and the webhook.

Each view checks access, calls one service or selector, and renders; the
webhook answers Stripe in plain JSON (200 done or duplicate, 400 forged,
503 try again).
"""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.http import FileResponse, Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from fablab.billing import stripe_api
from fablab.billing.checkout import WebhookRetryLater, WebhookSignatureError, checkout_start, stripe_webhook_handle
from fablab.billing.exports import accounting_csv, export_filename
from fablab.billing.forms import BuyPackForm, DeskRefundForm, MandateForm, OfflinePaymentForm, PeriodCloseForm
from fablab.billing.models import AccountingPeriod, Order, OrderStatus
from fablab.billing.orders import (
    order_cancel,
    order_create,
    order_issue_for_mandate,
    payment_record_offline,
)
from fablab.billing.periods import period_close
from fablab.billing.refunds import REFUNDABLE, order_refund_record, refundable_cents
from fablab.billing.selectors import (
    credit_packs_on_sale,
    invoices_visible_to,
    order_detail_for_buyer,
    orders_awaiting_payment,
    orders_of,
)
from fablab.core.errors import DomainError
from fablab.labs.models import Lab
from fablab.labs.permissions import Action, labs_where

# --- The webhook ------------------------------------------------------------------------------


@csrf_exempt
@require_POST
def stripe_webhook(request):
    try:
        result = stripe_webhook_handle(
            payload=request.body, signature_header=request.headers.get("Stripe-Signature", "")
        )
    except WebhookSignatureError:
        return JsonResponse({"error": "invalid_signature"}, status=400)
    except (WebhookRetryLater, OperationalError):  # a busy lock, or Stripe away: Stripe delivers it again
        return JsonResponse({"error": "retry_later"}, status=503, headers={"Retry-After": "30"})
    return JsonResponse({"received": True, "event": result.event_id, "outcome": result.outcome})


# --- Members ------------------------------------------------------------------------------------


def credit_packs(request):
    """The packs on sale per lab; buying opens an order, then Stripe Checkout or the desk's instructions."""
    form = BuyPackForm(request.POST or None)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if form.is_valid():
            pack = form.cleaned_data["pack"]
            try:
                order = order_create(buyer=request.user, lab=pack.lab, items=[(pack, form.cleaned_data["quantity"])])
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                return _to_payment(request, order)
    context = {"packs": credit_packs_on_sale(), "form": form, "online": stripe_api.enabled()}
    return render(request, "billing/credit_packs.html", context, status=400 if form.errors else 200)


def _to_payment(request, order):
    if not stripe_api.enabled():
        messages.success(
            request, _("Order %(reference)s is recorded: pay it at the lab's desk.") % {"reference": order.reference}
        )
        return redirect("billing:order_detail", pk=order.pk)
    try:
        url = checkout_start(
            order=order,
            success_url=request.build_absolute_uri(reverse("billing:checkout_success", args=[order.pk])),
            cancel_url=request.build_absolute_uri(reverse("billing:checkout_cancel", args=[order.pk])),
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("billing:order_detail", pk=order.pk)
    return redirect(url)


@login_required
def my_orders(request):
    return render(request, "billing/my_orders.html", {"orders": orders_of(request.user)[:100]})


def _own_order(request, pk):
    order = order_detail_for_buyer(request.user, pk)
    if order is None:
        raise Http404
    return order


@login_required
def order_detail(request, pk):
    order = _own_order(request, pk)
    paid = sum(payment.amount_cents for payment in order.payments.all() if payment.amount_cents > 0)
    context = {
        "order": order,
        "paid_cents": paid,
        "remaining_cents": order.total_incl_tax_cents - paid,
        "online": stripe_api.enabled() and order.is_pending and not order.invoice_id and not paid,
        "cancellable": order.is_pending and not order.invoice_id and not paid,
    }
    return render(request, "billing/order_detail.html", context)


@login_required
@require_POST
def order_pay(request, pk):
    return _to_payment(request, _own_order(request, pk))


@login_required
@require_POST
def order_cancel_mine(request, pk):
    order = _own_order(request, pk)
    try:
        order_cancel(order=order, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Order %(reference)s is cancelled.") % {"reference": order.reference})
    return redirect("billing:order_detail", pk=order.pk)


@login_required
def checkout_success(request, pk):
    """Where Stripe sends the buyer back: the webhook, not this page, says whether it is paid."""
    return render(request, "billing/checkout_return.html", {"order": _own_order(request, pk), "success": True})


@login_required
def checkout_cancelled(request, pk):
    return render(request, "billing/checkout_return.html", {"order": _own_order(request, pk), "success": False})


@login_required
def invoice_pdf(request, pk):
    """The stored legal copy, for its buyer and the lab's billing staff."""
    invoice = get_object_or_404(invoices_visible_to(request.user), pk=pk)
    return FileResponse(invoice.pdf.open("rb"), content_type="application/pdf", filename=f"{invoice.number}.pdf")


# --- Staff ----------------------------------------------------------------------------------------


def _managed_labs(user):
    return labs_where(user, Action.MANAGE_BILLING, Lab.objects.filter(is_active=True)).order_by("name")


@login_required
def staff_orders(request):
    labs = _managed_labs(request.user)
    slug = request.GET.get("lab")
    lab = labs.filter(slug=slug).first() if slug else labs.first()
    if lab is None:
        raise Http404
    pending = [
        (order, OfflinePaymentForm(prefix=f"pay-{order.pk}"), MandateForm(prefix=f"mandate-{order.pk}"))
        for order in orders_awaiting_payment(lab)[:200]
    ]
    recent = Order.objects.filter(lab=lab).exclude(status=OrderStatus.PENDING).select_related("buyer", "invoice")[:20]
    return render(
        request, "billing/staff_orders.html", {"lab": lab, "labs": labs, "pending": pending, "recent": recent}
    )


def _staff_order(request, pk):
    return get_object_or_404(Order.objects.select_related("lab", "buyer"), pk=pk, lab__in=_managed_labs(request.user))


def _back_to_staff(order):
    return redirect(f"{reverse('billing:staff')}?lab={order.lab.slug}")


def _form_errors(form):
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.extend(f"{label}: {error}" if label else str(error) for error in errors)
    return " ".join(parts)


@login_required
@require_POST
def staff_record_payment(request, pk):
    order = _staff_order(request, pk)
    form = OfflinePaymentForm(request.POST, prefix=f"pay-{order.pk}")
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back_to_staff(order)
    try:
        payment_record_offline(
            order=order,
            method=form.cleaned_data["method"],
            amount_cents=form.amount_cents,
            reference=form.cleaned_data["reference"],
            by=request.user,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Payment recorded for order %(reference)s.") % {"reference": order.reference})
    return _back_to_staff(order)


@login_required
@require_POST
def staff_issue_mandate(request, pk):
    order = _staff_order(request, pk)
    form = MandateForm(request.POST, prefix=f"mandate-{order.pk}")
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back_to_staff(order)
    try:
        order = order_issue_for_mandate(order=order, by=request.user, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Invoice %(number)s is issued, awaiting payment.") % {"number": order.invoice.number}
        )
    return _back_to_staff(order)


@login_required
@require_POST
def staff_cancel(request, pk):
    order = _staff_order(request, pk)
    try:
        order_cancel(order=order, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Order %(reference)s is cancelled.") % {"reference": order.reference})
    return _back_to_staff(order)


@login_required
def staff_refund(request, pk):
    """Money given back at the desk (cash, cheque, transfer): the credit note, and what was bought taken back."""
    order = _staff_order(request, pk)
    if order.status not in REFUNDABLE:
        raise Http404
    refundable = refundable_cents(order)
    form = DeskRefundForm(request.POST or None, initial={"amount": Decimal(refundable) / 100})
    if request.method == "POST" and form.is_valid():
        try:
            order_refund_record(
                order=order,
                amount_cents=form.amount_cents,
                method=form.cleaned_data["method"],
                reference=form.cleaned_data["reference"],
                by=request.user,
            )
        except DomainError as error:
            form.add_error("amount" if error.field == "amount_cents" else None, error.message)
        else:
            messages.success(request, _("Refund recorded for order %(reference)s.") % {"reference": order.reference})
            return _back_to_staff(order)
    context = {"order": order, "form": form, "refundable_cents": refundable}
    return render(request, "billing/staff_refund.html", context, status=400 if form.errors else 200)


@login_required
def staff_periods(request):
    """The lab's closed periods with their archives, and closing the next one."""
    labs = _managed_labs(request.user)
    lab = get_object_or_404(
        labs, slug=request.GET.get("lab") or request.POST.get("lab") or getattr(labs.first(), "slug", "")
    )
    form = PeriodCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            period = period_close(lab=lab, by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("The period is closed: %(count)s documents archived.") % {"count": period.documents},
            )
            return redirect(f"{reverse('billing:periods')}?lab={lab.slug}")
    periods = AccountingPeriod.objects.filter(lab=lab).select_related("closed_by")
    context = {"lab": lab, "labs": labs, "form": form, "periods": periods}
    return render(request, "billing/staff_periods.html", context, status=400 if form.errors else 200)


@login_required
def staff_period_archive(request, pk):
    periods = AccountingPeriod.objects.select_related("lab")
    period = get_object_or_404(periods, pk=pk, lab__in=_managed_labs(request.user))
    filename = f"{period.lab.slug}-{period.kind}-{period.first_day:%Y-%m}.zip"
    return FileResponse(period.archive.open("rb"), content_type="application/zip", filename=filename)


class AccountingExportForm(forms.Form):
    """Which lab's books, from which day to which day (both included, in the lab's time zone).

    Here rather than in forms.py: it only serves the export page below.
    """

    lab = forms.ModelChoiceField(label=gettext_lazy("Lab"), queryset=Lab.objects.none(), to_field_name="slug")
    date_from = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Included."),
    )

    def __init__(self, *args, labs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lab"].queryset = labs

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", gettext_lazy("The end of the period cannot be before its start."))
        return cleaned


@login_required
def staff_export(request):
    """The form, then the accountant's CSV of the chosen lab and period, streamed."""
    labs = _managed_labs(request.user)
    if not labs.exists():
        raise PermissionDenied
    if "date_from" not in request.GET and "date_to" not in request.GET:  # first visit; ?lab= preselects
        form = AccountingExportForm(labs=labs, initial={"lab": request.GET.get("lab") or labs.first().slug})
        return render(request, "billing/staff_export.html", {"form": form})
    form = AccountingExportForm(request.GET, labs=labs)
    if not form.is_valid():
        # A lab that exists but is not managed by this user: 404, as for the other staff pages.
        if "lab" in form.errors and Lab.objects.filter(slug=request.GET.get("lab", "")).exists():
            raise Http404
        return render(request, "billing/staff_export.html", {"form": form}, status=400)
    lab, date_from, date_to = (form.cleaned_data[name] for name in ("lab", "date_from", "date_to"))
    response = StreamingHttpResponse(accounting_csv(lab, date_from, date_to), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(lab, date_from, date_to)}"'
    return response
