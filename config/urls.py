from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from apps.accounts.forms import AdminSignInForm
from apps.auditing.views import healthz, healthz_live
from config import views

admin.site.site_header = "The Shop back office"
admin.site.site_title = "The Shop"
admin.site.login_form = AdminSignInForm

urlpatterns = [
    path("", views.home, name="home"),
    # Answered by apps.auditing.health.HealthCheckMiddleware before the host check; listed
    # here for reverse() and for a stack without that middleware.
    path("healthz", healthz, name="healthz"),
    path("healthz/ready", healthz, name="healthz-ready"),
    path("healthz/live", healthz_live, name="healthz-live"),
    path("ping", views.ping, name="ping"),
    path("account/", include("apps.accounts.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
    # The storefront's most requested pages first: a URL is matched in this order.
    path("", include("apps.catalog.urls")),
    path("", include("apps.payments.urls")),
    path("", include("apps.orders.urls")),
    # Uploaded product images in development (an empty list unless DEBUG).
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]
