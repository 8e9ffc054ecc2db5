from django.urls import path

from frontend import views
from frontend.staff import views as staff_views

app_name = "frontend"

urlpatterns = [
    path("", views.home, name="home"),
    path("labs/<slug:slug>/", views.lab_detail, name="lab"),
    path("legal/", views.legal, name="legal"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("staff/", staff_views.dashboard, name="staff_dashboard"),
    path("staff/exports/", staff_views.exports, name="staff_exports"),
]
