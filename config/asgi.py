import os

from django.core.asgi import get_asgi_application

# Never development settings by accident: a server started without DJANGO_SETTINGS_MODULE
# runs with production settings, which refuse to start without their required values.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
application = get_asgi_application()
