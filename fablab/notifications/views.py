"""The member's notification settings: which optional messages they receive."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fablab.notifications.forms import PreferencesForm
from fablab.notifications.kinds import KINDS, optional_kinds
from fablab.notifications.selectors import opted_out_kinds
from fablab.notifications.services import preferences_set


@login_required
def preferences(request):
    off = opted_out_kinds(request.user)
    offered = optional_kinds(request.user)
    initial = {"receive": [item.code for item in offered if item.code not in off]}
    # An empty POST (nothing ticked) is a real answer: every optional message off.
    form = PreferencesForm(request.POST if request.method == "POST" else None, initial=initial, kinds=offered)
    if request.method == "POST" and form.is_valid():
        preferences_set(user=request.user, receive=set(form.cleaned_data["receive"]))
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:preferences")
    mandatory = [item for item in KINDS.values() if not item.optional]
    return render(request, "notifications/preferences.html", {"form": form, "mandatory": mandatory})
