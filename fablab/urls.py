from django.contrib import admin
from django.contrib.sitemaps.views import index as sitemap_index
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from frontend.sitemaps import SITEMAPS
from frontend.views import healthz

handler403 = "frontend.errors.permission_denied"
handler404 = "frontend.errors.page_not_found"
handler500 = "frontend.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("fablab.accounts.urls")),
    path("accounts/notifications/", include("fablab.notifications.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("fablab.api_urls")),
    path("healthz", healthz, name="healthz"),
    path("sitemap.xml", sitemap_index, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("sitemap-<section>.xml", sitemap, {"sitemaps": SITEMAPS}, name="django.contrib.sitemaps.views.sitemap"),
    path("machines/", include("machines.urls")),
    path("bookings/", include("bookings.urls")),
    path("calendar/", include("bookings.calendar_urls")),
    path("credits/", include("fablab.credits.urls")),
    path("trainings/", include("training.urls")),
    path("workshops/", include("training.workshop_urls")),
    path("projects/", include("projects.urls")),
    path("payments/", include("fablab.billing.urls")),
    path("", include("frontend.urls")),
]
