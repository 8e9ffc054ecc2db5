"""Pages that belong to no single app: home, lab pages, legal and accessibility."""

from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from fablab.core.cache import LABS_SCOPE, cached_for_visitors, lab_scope
from fablab.labs.models import Lab
from fablab.labs.selectors import is_open_now, lab_for_public, labs_for_public, weekly_hours

# "Open now" moves with the clock: a visitor's copy is at most a minute old.
OPEN_NOW_SECONDS = 60


@cached_for_visitors(lambda request: [LABS_SCOPE], timeout=OPEN_NOW_SECONDS)
def home(request):
    labs = list(labs_for_public())
    for lab in labs:
        lab.open_now = is_open_now(lab)
    return render(request, "frontend/home.html", {"labs": labs})


@cached_for_visitors(lambda request, slug: [lab_scope(slug), LABS_SCOPE], timeout=OPEN_NOW_SECONDS)
def lab_detail(request, slug):
    try:
        lab = lab_for_public(slug)
    except Lab.DoesNotExist:
        raise Http404 from None
    context = {"lab": lab, "open_now": is_open_now(lab), "weekly_hours": weekly_hours(lab)}
    return render(request, "frontend/lab_detail.html", context)


def legal(request):
    return render(request, "frontend/legal.html", {"labs": labs_for_public()})


def accessibility(request):
    return render(request, "frontend/accessibility.html")


@never_cache
def healthz(request):
    """Load balancers' probe: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy", never a 500
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
