from django.conf import settings

from apps.accounts.preferences import preferences_effective


def site(request):
    """Expose the shop's name and the visitor's theme (a class of <html>) to every template."""
    user = getattr(request, "user", None)
    stored = user.preferences if user is not None and user.is_authenticated else {}
    return {
        "site_name": settings.SITE_NAME,
        "theme": preferences_effective(stored)["theme"],
    }
