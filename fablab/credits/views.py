"""Credit pages: a member's balances and history, and staff's review of contributions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fablab.audit.selectors import audit_history, audit_target_q
from fablab.core.errors import DomainError
from fablab.credits.forms import AdjustmentForm, ContributionForm, RefusalForm
from fablab.credits.models import Contribution, ContributionStatus, CreditAccount
from fablab.credits.selectors import balances_for_user, contributions_visible_to, entries_for_user
from fablab.credits.services import contribution_approve, contribution_log, contribution_refuse, credits_adjust
from fablab.labs.models import Lab
from fablab.labs.permissions import Action, labs_where


@login_required
def my_credits(request):
    form = ContributionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contribution_log(
                member=request.user,
                lab=form.cleaned_data["lab"],
                day=form.cleaned_data["day"],
                minutes=form.minutes,
                description=form.cleaned_data["description"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you! The lab's team will review your contribution."))
            return redirect("credits:mine")
    entries = Paginator(entries_for_user(request.user), 50).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "accounts": balances_for_user(request.user),
        "entries": entries,
        "contributions": contributions_visible_to(request.user).filter(member=request.user)[:20],
    }
    return render(request, "credits/my_credits.html", context, status=400 if form.errors else 200)


def _managed_lab(request):
    labs = labs_where(request.user, Action.MANAGE_CREDITS, Lab.objects.filter(is_active=True)).order_by("name")
    slug = request.GET.get("lab") or request.POST.get("lab")
    lab = labs.filter(slug=slug).first() if slug else labs.first()
    if lab is None:
        raise Http404
    return lab, labs


@login_required
def staff_credits(request):
    lab, labs = _managed_lab(request)
    adjustment = AdjustmentForm(request.POST or None, lab=lab)
    if request.method == "POST" and adjustment.is_valid():
        try:
            credits_adjust(by=request.user, lab=lab, **adjustment.cleaned_data)
        except DomainError as error:
            adjustment.add_error(None, error.message)
        else:
            messages.success(request, _("The balance is updated."))
            return redirect(f"{request.path}?lab={lab.slug}")
    pending = contributions_visible_to(request.user).filter(lab=lab, status=ContributionStatus.PENDING)
    accounts = CreditAccount.objects.filter(lab=lab).select_related("user").order_by("user__full_name", "user__email")
    context = {
        "lab": lab,
        "labs": labs,
        "pending": pending,
        "adjustment": adjustment,
        "refusal": RefusalForm(),
        "accounts": accounts,
    }
    return render(request, "credits/staff_credits.html", context, status=400 if adjustment.errors else 200)


@login_required
def staff_member_credits(request, user_id):
    """One member's balance and full history in a lab the user manages credits of."""
    lab, labs = _managed_lab(request)
    account = get_object_or_404(CreditAccount.objects.select_related("user", "lab"), lab=lab, user_id=user_id)
    entries = Paginator(entries_for_user(account.user, lab=lab), 50).get_page(request.GET.get("page"))
    contributions = Contribution.objects.filter(member_id=user_id, lab=lab).values("pk")
    history = audit_history(account, extra=audit_target_q(Contribution, contributions))
    context = {
        "lab": lab,
        "labs": labs,
        "account": account,
        "member": account.user,
        "entries": entries,
        "history": history,
    }
    return render(request, "credits/staff_member_credits.html", context)


@login_required
@require_POST
def contribution_review(request, pk, decision):
    contribution = get_object_or_404(contributions_visible_to(request.user), pk=pk)
    try:
        if decision == "approve":
            contribution_approve(contribution=contribution, by=request.user)
            messages.success(request, _("Approved: the minutes are credited."))
        else:
            form = RefusalForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Say why the contribution is refused."))
            else:
                contribution_refuse(contribution=contribution, by=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, _("Refused: the member is told why."))
    except DomainError as error:
        messages.error(request, error.message)
    # The staff dashboard lists contributions too and sends its own address back.
    target = request.POST.get("next", "")
    host = {request.get_host()}
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=host, require_https=request.is_secure()):
        target = f"{reverse('credits:staff')}?lab={contribution.lab.slug}"
    return redirect(target)
