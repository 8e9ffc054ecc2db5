from django.urls import path

from frontend import views

app_name = "frontend"

urlpatterns = [
    path("", views.home, name="home"),
    path("labs/<slug:slug>/", views.lab_detail, name="lab"),
    path("legal/", views.legal, name="legal"),
    path("accessibility/", views.accessibility, name="accessibility"),
]
