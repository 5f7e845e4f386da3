from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data of every app, composed in one place: `manage.py seed_demo`."""

    name = "apps.demo"
    label = "demo"
