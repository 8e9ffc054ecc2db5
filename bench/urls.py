"""The project's URLs plus `/bench/ceiling/`: the whole middleware stack, no database, no template."""

from django.http import HttpResponse
from django.urls import path

from fablab.urls import handler403, handler404, handler500  # noqa: F401
from fablab.urls import urlpatterns as project_urlpatterns


def ceiling(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/ceiling/", ceiling), *project_urlpatterns]
