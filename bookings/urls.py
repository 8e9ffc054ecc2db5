from django.urls import path

from bookings import views

app_name = "bookings"

urlpatterns = [
    path("", views.booking_list, name="list"),
    path("<int:pk>/cancel/", views.booking_cancel_confirm, name="cancel"),
    path("<int:pk>/no-show/", views.no_show, name="no_show"),
    path("waitlist/join/", views.waitlist_join, name="waitlist_join"),
    path("waitlist/<int:pk>/leave/", views.waitlist_leave, name="waitlist_leave"),
    # The offer email links here (bookings/templates/bookings/email/waitlist_offer.txt).
    path("offers/<int:pk>/", views.offer, name="offer"),
    # Where the member's QR code leads; only the booking's lab staff get past the 404.
    path("check-in/<str:code>/", views.check_in, name="check_in"),
    path("staff/", views.staff_day, name="staff_day"),
    path("staff/block/", views.staff_block, name="block"),
    path("staff/book/", views.staff_book_for_member, name="book_for_member"),
]
