# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.intelligence import views

app_name = "intelligence"
urlpatterns = [
    path("help/", views.help_search, name="help-search"),
    path("inquiries/", views.my_inquiries, name="inquiry-list"),
    path("inquiries/new/", views.inquiry_new, name="inquiry-create"),
    path("inquiries/<uuid:public_id>/", views.inquiry_detail, name="inquiry-detail"),
]
