from django.urls import include, path

from .views import widget_lifecycle_view

urlpatterns = [
    path("test/widget-lifecycle", widget_lifecycle_view, name="test-widget-lifecycle"),
    path("", include("config.urls")),
]
