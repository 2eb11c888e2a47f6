# SPDX-License-Identifier: MPL-2.0
from django.urls import path

from civicloop.demo import pay

app_name = "demo-pay"
urlpatterns = [path("checkout/", pay.checkout, name="checkout")]
