# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.payments import views

app_name = "payments"
urlpatterns = [
    path("applications/<uuid:public_id>/pay/", views.pay, name="payment-start"),
    path("applications/<uuid:public_id>/pay-first/", views.prepayment, name="prepayment"),
    path("applications/<uuid:public_id>/pay/return/", views.payment_return, name="payment-return"),
    path("applications/<uuid:public_id>/receipt/", views.receipt, name="receipt-download"),
    path("payments/webhook/", views.webhook, name="webhook-receive"),
    path("staff/cases/<uuid:public_id>/refund/", views.refund, name="payment-refund"),
    path("staff/payments/reconciliation/", views.reconciliation_list, name="reconciliation-list"),
    path("staff/payments/reconciliation/<uuid:public_id>/", views.reconciliation_detail, name="reconciliation-detail"),
]
