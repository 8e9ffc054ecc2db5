from django.urls import path

from fablab.credits import views

app_name = "credits"

urlpatterns = [
    path("", views.my_credits, name="mine"),
    path("staff/", views.staff_credits, name="staff"),
    path("staff/members/<int:user_id>/", views.staff_member_credits, name="staff_member"),
    path("contributions/<int:pk>/approve/", views.contribution_review, {"decision": "approve"}, name="approve"),
    path("contributions/<int:pk>/refuse/", views.contribution_review, {"decision": "refuse"}, name="refuse"),
]
