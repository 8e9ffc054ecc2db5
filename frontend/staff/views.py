"""The staff dashboard (`/staff/`) and the staff exports (`/staff/exports/`).

Only people with the staff role in at least one lab get in; each sees the labs
they are staff of and nothing of the others.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from fablab.core.cache import STAFF_FIGURES_SCOPE, cached_value
from fablab.labs.models import Lab
from fablab.labs.permissions import Action, labs_where
from frontend.staff.charts import chart_data
from frontend.staff.exports import export_choices, export_count, export_csv, export_filename
from frontend.staff.forms import DashboardForm, ExportForm
from frontend.staff.selectors import Period, chart_series, staff_dashboard

# The figures are kept until a row they count changes (frontend/staff/invalidation.py),
# and at most this long: the charts read months of rows and do not move with the clock;
# what happens today does (sessions coming up, today's bookings).
CHARTS_TIMEOUT_SECONDS = 3600
TODAY_TIMEOUT_SECONDS = 60

# Managing a lab is what only its staff may do: the dashboard and exports show its members, money and credits.
STAFF_ACTION = Action.MANAGE_LAB


def _staff_labs(user):
    labs = labs_where(user, STAFF_ACTION, Lab.objects.filter(is_active=True)).order_by("name")
    if not labs.exists():
        raise PermissionDenied
    return labs


def _period(form, labs):
    return Period(form.cleaned_data["date_from"], form.cleaned_data["date_to"], labs[0].tz)


@login_required
def dashboard(request):
    labs = _staff_labs(request.user)
    data = request.GET.copy()
    if "date_from" not in data and "date_to" not in data:
        date_from, date_to = DashboardForm.default_period(timezone.localdate(timezone.now(), labs.first().tz))
        data.update({"date_from": date_from.isoformat(), "date_to": date_to.isoformat()})
    form = DashboardForm(data, labs=labs)
    if not form.is_valid():
        return render(request, "frontend/staff/dashboard.html", {"form": form}, status=400)
    selected = form.selected_labs()
    period = _period(form, selected)
    labs_key = [lab.pk for lab in selected]
    today = cached_value(
        ["staff-today", *labs_key], [STAFF_FIGURES_SCOPE], timeout=TODAY_TIMEOUT_SECONDS,
        build=lambda: staff_dashboard(selected, period),
    )  # fmt: skip
    context = {"form": form, "labs": selected, "period": period, **today}
    context["charts_html"] = cached_value(
        ["staff-charts", get_language(), period.start, period.end, *labs_key],
        [STAFF_FIGURES_SCOPE],
        timeout=CHARTS_TIMEOUT_SECONDS,
        build=lambda: _charts_html(selected, period),
    )
    return render(request, "frontend/staff/dashboard.html", context)


def _charts_html(labs, period):
    series = chart_series(labs, period)
    return render_to_string("frontend/staff/_charts.html", {**series, "charts": chart_data(series)})


@login_required
def exports(request):
    """The form, then the chosen CSV streamed; the row count goes ahead in a header for the progress bar."""
    labs = _staff_labs(request.user)
    if "kind" not in request.GET:
        date_from, date_to = DashboardForm.default_period(timezone.localdate(timezone.now(), labs.first().tz))
        initial = {"date_from": date_from, "date_to": date_to}
        form = ExportForm(labs=labs, kinds=export_choices(), initial=initial)
        return render(request, "frontend/staff/exports.html", {"form": form})
    form = ExportForm(request.GET, labs=labs, kinds=export_choices())
    if not form.is_valid():
        return render(request, "frontend/staff/exports.html", {"form": form}, status=400)
    kind, selected = form.cleaned_data["kind"], form.selected_labs()
    period = _period(form, selected)
    response = StreamingHttpResponse(export_csv(kind, selected, period), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(kind, selected, period)}"'
    response["X-Export-Rows"] = str(export_count(kind, selected, period))
    return response
