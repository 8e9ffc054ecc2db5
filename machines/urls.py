from django.urls import path

app_name = "machines"

urlpatterns: list = []
