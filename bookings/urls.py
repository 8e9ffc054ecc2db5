from django.urls import path

from bookings import views

app_name = "bookings"

urlpatterns = [
    path("", views.booking_list, name="list"),
    path("<int:pk>/cancel/", views.booking_cancel_confirm, name="cancel"),
    path("staff/", views.staff_day, name="staff_day"),
]
