"""Mounted at /payments/: the Stripe webhook (a public contract), member pages and staff's desk."""

from django.urls import path

from fablab.billing import views

app_name = "billing"

urlpatterns = [
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("credit-packs/", views.credit_packs, name="credit_packs"),
    path("orders/", views.my_orders, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/pay/", views.order_pay, name="order_pay"),
    path("orders/<int:pk>/cancel/", views.order_cancel_mine, name="order_cancel"),
    path("orders/<int:pk>/paid/", views.checkout_success, name="checkout_success"),
    path("orders/<int:pk>/payment-cancelled/", views.checkout_cancelled, name="checkout_cancel"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("staff/", views.staff_orders, name="staff"),
    path("staff/export/", views.staff_export, name="export"),
    path("staff/orders/<int:pk>/payment/", views.staff_record_payment, name="staff_payment"),
    path("staff/orders/<int:pk>/mandate/", views.staff_issue_mandate, name="staff_mandate"),
    path("staff/orders/<int:pk>/cancel/", views.staff_cancel, name="staff_cancel"),
    path("staff/orders/<int:pk>/refund/", views.staff_refund, name="staff_refund"),
    path("staff/periods/", views.staff_periods, name="periods"),
    path("staff/periods/<int:pk>/archive.zip", views.staff_period_archive, name="period_archive"),
]
