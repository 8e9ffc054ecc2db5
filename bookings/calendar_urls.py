from django.urls import path

app_name = "calendar"

urlpatterns: list = []
