"""Member's own account pages: profile, language, personal data export, erasure."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fablab.accounts.forms import AccountDeleteForm, ProfileForm
from fablab.accounts.models import Language
from fablab.accounts.selectors import personal_data
from fablab.accounts.services import account_erase, calendar_token_reset, profile_update, user_set_language
from fablab.core.errors import DomainError


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        profile_update(user=request.user, **{f: form.cleaned_data[f] for f in form.changed_data})
        translation.activate(request.user.preferred_language)
        messages.success(request, _("Your profile is saved."))
        response = redirect("accounts:profile")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, request.user.preferred_language)
        return response
    return render(request, "accounts/profile.html", {"form": form})


@require_POST
def set_language(request):
    """Switch the site's language; a signed-in member's preference follows."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = redirect(next_url)
    if language not in Language.values:
        messages.error(request, _("This language is not offered."))
        return response
    if request.user.is_authenticated:
        user_set_language(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@login_required
@require_POST
def calendar_token_revoke(request):
    calendar_token_reset(user=request.user)
    messages.success(request, _("Your calendar link was replaced. The old link no longer works."))
    return redirect("accounts:profile")


@login_required
def privacy(request):
    return render(request, "accounts/privacy.html")


@login_required
def personal_data_download(request):
    data = personal_data(request.user)
    data["exported_at"] = timezone.now().isoformat()
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="my-fablab-data.json"'
    return response


@login_required
def account_delete(request):
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            account_erase(user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("accounts:privacy")
        logout(request)
        messages.success(request, _("Your account is deleted. Thank you for making things with us."))
        return redirect("frontend:home")
    return render(request, "accounts/delete.html", {"form": form})
