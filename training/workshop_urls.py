"""School workshops, mounted at /workshops/. The private link's path is in the teachers' emails: keep it."""

from django.urls import path

from training import workshop_views as views

app_name = "workshops"

urlpatterns = [
    path("", views.offer_list, name="list"),
    path("requests/<str:token>/", views.follow, name="follow"),
    path("requests/<str:token>/cancel/", views.follow_cancel, name="follow_cancel"),
    path("requests/<str:token>/quote.pdf", views.quote_pdf, name="quote_pdf"),
    path("requests/<str:token>/invoice.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/report/", views.report, name="report"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/confirm/", views.staff_confirm, name="staff_confirm"),
    path("staff/<int:pk>/quote/", views.staff_quote, name="staff_quote"),
    path("staff/<int:pk>/quote.pdf", views.staff_quote_pdf, name="staff_quote_pdf"),
    path("staff/<int:pk>/held/", views.staff_held, name="staff_held"),
    path("staff/<int:pk>/invoice/", views.staff_invoice, name="staff_invoice"),
    path("staff/<int:pk>/cancel/", views.staff_cancel, name="staff_cancel"),
    path("<slug:slug>/register/", views.register, name="register"),
    path("<slug:slug>/register/sent/", views.registered, name="registered"),
]
