"""Staff grant and withdraw machine qualifications by hand, with a reason.

Only for users who manage trainings in at least one lab, and only on the
machines of those labs. Both writes go through the machines services
(`qualification_grant`, `qualification_revoke`), the ones trainings use.
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from fablab.core.errors import DomainError
from fablab.labs.models import Lab
from fablab.labs.permissions import Action, labs_where
from machines.models import Machine, Qualification
from machines.services import qualification_grant, qualification_revoke


class MachineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, machine):
        return f"{machine.name} ({machine.lab.name})"


class MachineFilterForm(forms.Form):
    machine = MachineChoiceField(label=gettext_lazy("Machine"), queryset=Machine.objects.none(), required=False)

    def __init__(self, *args, machines, **kwargs):
        kwargs.setdefault("auto_id", "filter-%s")  # the grant form on the same page has a machine field too
        super().__init__(*args, **kwargs)
        self.fields["machine"].queryset = machines


class GrantForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Member's email"))
    machine = MachineChoiceField(label=gettext_lazy("Machine"), queryset=Machine.objects.none())
    expires_on = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        help_text=gettext_lazy("Empty: no expiry."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    # CharField strips blanks, so a reason of spaces is refused as empty.
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        error_messages={"required": gettext_lazy("Say why you grant this qualification.")},
    )

    def __init__(self, *args, machines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["machine"].queryset = machines

    def clean_email(self):
        email = self.cleaned_data["email"]
        member = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if member is None:
            raise forms.ValidationError(_("Nobody has an account with this email address."))
        self.cleaned_data["member"] = member
        return email

    def clean(self):
        cleaned = super().clean()
        machine, day = cleaned.get("machine"), cleaned.get("expires_on")
        if machine is not None and day is not None:
            # Valid through the whole of that day in the lab's zone.
            tz = machine.lab.tz
            if day < timezone.localdate(timezone=tz):
                self.add_error("expires_on", _("The expiry date is in the past."))
            else:
                cleaned["expires_at"] = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return cleaned


class RevokeForm(forms.Form):
    # CharField strips blanks, so a reason of spaces is refused as empty.
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        error_messages={"required": gettext_lazy("Say why the qualification is withdrawn.")},
    )


def _managed_labs(user):
    """The labs whose trainings the user manages; 403 when there are none."""
    labs = labs_where(user, Action.MANAGE_TRAININGS, Lab.objects.all())
    if not labs.exists():
        raise PermissionDenied
    return labs


def _machines(labs):
    return Machine.objects.filter(lab__in=labs).select_related("lab").order_by("lab__name", "name")


def _live_qualifications(labs, now):
    """Qualifications in force on the managed labs' machines, with what the table shows: one query."""
    return (
        Qualification.objects.filter(machine__lab__in=labs, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .select_related("user", "machine__lab", "granted_by")
        .order_by("machine__lab__name", "machine__name", "user__full_name", "user__email", "pk")
    )


def _page(request, labs, *, grant_form=None, revoke_form=None, revoked=None, status=200):
    machines = _machines(labs)
    filter_form = MachineFilterForm(request.GET, machines=machines)
    qualifications = _live_qualifications(labs, timezone.now())
    if filter_form.is_valid() and filter_form.cleaned_data["machine"]:
        qualifications = qualifications.filter(machine=filter_form.cleaned_data["machine"])
    elif not filter_form.is_valid() and status == 200:
        status = 400
    context = {
        "filter_form": filter_form,
        "grant_form": grant_form or GrantForm(machines=machines),
        "revoke_form": revoke_form,
        "revoked": revoked,
        "qualifications": qualifications,
        "several_labs": len({machine.lab_id for machine in machines}) > 1,
    }
    return render(request, "training/qualifications_staff.html", context, status=status)


@login_required
@require_safe
def qualifications(request):
    """The live qualifications of the labs the user manages, with the grant and revoke forms."""
    return _page(request, _managed_labs(request.user))


@login_required
@require_POST
def qualification_grant_view(request):
    labs = _managed_labs(request.user)
    form = GrantForm(request.POST, machines=_machines(labs))
    if not form.is_valid():
        return _page(request, labs, grant_form=form, status=400)
    data = form.cleaned_data
    try:
        qualification_grant(
            user=data["member"],
            machine=data["machine"],
            by=request.user,
            expires_at=data.get("expires_at"),
            reason=data["reason"],
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return _page(request, labs, grant_form=form, status=error.status)
    member = data["member"]
    messages.success(
        request,
        _("%(member)s is now qualified for %(machine)s.")
        % {"member": member.full_name or member.email, "machine": data["machine"].name},
    )
    return redirect("training:qualifications")


@login_required
@require_POST
def qualification_revoke_view(request, pk):
    """Withdraw a live qualification of a managed lab's machine; anyone else's: 404."""
    labs = _managed_labs(request.user)
    qualification = get_object_or_404(_live_qualifications(labs, timezone.now()), pk=pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        return _page(request, labs, revoke_form=form, revoked=qualification, status=400)
    try:
        qualification_revoke(qualification=qualification, by=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        form.add_error(None, error.message)
        return _page(request, labs, revoke_form=form, revoked=qualification, status=error.status)
    messages.success(
        request,
        _("The qualification of %(member)s for %(machine)s is withdrawn.")
        % {"member": qualification.user.full_name or qualification.user.email, "machine": qualification.machine.name},
    )
    return redirect("training:qualifications")
