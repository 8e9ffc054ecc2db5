from django.urls import path

from training import qualification_views, sign_in_sheet, views

app_name = "training"

urlpatterns = [
    path("", views.catalogue, name="list"),
    path("mine/", views.my_trainings, name="mine"),
    path("teach/", views.teach, name="teach"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/enroll/", views.session_enroll, name="enroll"),
    path("sessions/<int:pk>/roster/", views.roster, name="roster"),
    path("sessions/<int:pk>/sign-in-sheet/", views.sign_in_sheet, name="sign_in_sheet"),
    path("sessions/<int:pk>/sign-in-sheet.pdf", sign_in_sheet.sign_in_sheet_pdf, name="sign_in_sheet_pdf"),
    path("enrollments/<int:pk>/cancel/", views.enrollment_cancel_view, name="enrollment_cancel"),
    path("enrollments/<int:pk>/accept/", views.enrollment_accept, name="enrollment_accept"),
    path("enrollments/<int:pk>/certificate.pdf", views.certificate, name="certificate"),
    path("qualifications/", qualification_views.qualifications, name="qualifications"),
    path("qualifications/grant/", qualification_views.qualification_grant_view, name="qualification_grant"),
    path("qualifications/<int:pk>/revoke/", qualification_views.qualification_revoke_view, name="qualification_revoke"),
]
