from django.contrib import admin
from django.urls import include, path

from apps.accounts.forms import AdminSignInForm
from apps.auditing.views import healthz
from config import views

admin.site.site_header = "The Shop back office"
admin.site.site_title = "The Shop"
admin.site.login_form = AdminSignInForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("account/", include("apps.accounts.urls")),
    path("admin/", admin.site.urls),
]
