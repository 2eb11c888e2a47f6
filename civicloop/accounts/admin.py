# SPDX-License-Identifier: MPL-2.0
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from civicloop.accounts.models import Department, User

admin.site.register(User, UserAdmin)
admin.site.register(Department)
