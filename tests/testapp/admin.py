from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.auditing.admin import SoftDeleteAdminMixin

from .models import Widget


@admin.register(Widget)
class WidgetAdmin(SoftDeleteAdminMixin, SimpleHistoryAdmin):
    list_display = ("name", "colour", "price")
