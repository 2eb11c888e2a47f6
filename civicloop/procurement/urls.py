# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.procurement.views import evaluation, staff, suppliers

app_name = "procurement"
urlpatterns = [
    # Suppliers
    path("procurement/register/", suppliers.register, name="supplier-register"),
    path("procurement/login/", suppliers.SupplierLoginView.as_view(), name="supplier-login"),
    path("procurement/", suppliers.home, name="supplier-home"),
    path("procurement/qualifications/new/", suppliers.qualification_new, name="qualification-new"),
    path("procurement/services/new/", suppliers.service_new, name="service-new"),
    path("procurement/documents/new/", suppliers.document_new, name="document-new"),
    path("procurement/documents/<uuid:public_id>/", suppliers.document_download, name="document-download"),
    path("procurement/documents/<uuid:public_id>/delete/", suppliers.document_delete, name="document-delete"),
    path("procurement/services/<uuid:public_id>/security/", suppliers.service_security, name="service-security"),
    path("procurement/tenders/<uuid:public_id>/", suppliers.tender_detail, name="tender-detail"),
    path("procurement/tenders/<uuid:public_id>/questions/", suppliers.question_ask, name="question-ask"),
    path("procurement/tenders/<uuid:public_id>/bid/", suppliers.bid_submit, name="bid-submit"),
    path("procurement/bids/<uuid:public_id>/withdraw/", suppliers.bid_withdraw, name="bid-withdraw"),
    # Staff
    path("staff/procurement/", staff.index, name="staff-index"),
    path("staff/procurement/suppliers/", staff.supplier_list, name="staff-supplier-list"),
    path("staff/procurement/suppliers/<uuid:public_id>/", staff.supplier_detail, name="staff-supplier-detail"),
    path("staff/procurement/suppliers/<uuid:public_id>/verify/<str:kind>/", staff.verify, name="staff-verify"),
    path(
        "staff/procurement/supplier-documents/<uuid:public_id>/",
        staff.supplier_document,
        name="staff-supplier-document",
    ),
    path(
        "staff/procurement/suppliers/<uuid:public_id>/verify/<str:kind>/<int:pk>/",
        staff.verify,
        name="staff-verify-item",
    ),
    path("staff/procurement/catalogue/", staff.catalogue, name="staff-catalogue"),
    path("staff/procurement/direct-awards/new/", staff.direct_award, name="staff-direct-award-new"),
    path("staff/procurement/direct-awards/<uuid:public_id>/", staff.direct_award_detail, name="staff-direct-award"),
    path("staff/procurement/tenders/new/", staff.tender_new, name="staff-tender-new"),
    path("staff/procurement/tenders/<uuid:public_id>/", staff.tender_detail, name="staff-tender-detail"),
    path("staff/procurement/tenders/<uuid:public_id>/<str:step>/", staff.tender_step, name="staff-tender-step"),
    path("staff/procurement/questions/<uuid:public_id>/answer/", staff.question_answer, name="staff-question-answer"),
    path("staff/procurement/evaluate/<uuid:public_id>/", evaluation.evaluate, name="staff-evaluate"),
    path("staff/procurement/bids/<uuid:public_id>/score/", evaluation.score, name="staff-score"),
]
