from django.urls import path

from bookings import views as booking_views
from machines import views

app_name = "machines"

urlpatterns = [
    path("", views.machine_list, name="list"),
    path("<int:pk>/", views.machine_detail, name="detail"),
    # Booking a slot starts from the machine's page, so its URL lives under the machine.
    path("<int:pk>/book/", booking_views.machine_book, name="book"),
]
