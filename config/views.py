from django.http import HttpResponse

from apps.catalog.views import storefront_home


def home(request):
    """Storefront home page."""
    return storefront_home(request)


def ping(request):
    """The cheapest possible page (no database, no cache): the benchmarks' baseline."""
    return HttpResponse("pong", content_type="text/plain")
