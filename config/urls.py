from django.contrib import admin
from django.urls import path

from apps.auditing.views import healthz
from config import views

admin.site.site_header = "The Shop back office"
admin.site.site_title = "The Shop"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
