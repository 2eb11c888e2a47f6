# SPDX-License-Identifier: AGPL-3.0-or-later
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from civicloop.accounts.models import Department, User

admin.site.register(User, UserAdmin)
admin.site.register(Department)
