"""The health checks answer before the host check and the HTTPS redirect.

A container's probe (`HEALTHCHECK` in the Dockerfile) or a balancer's calls the application
directly, over plain HTTP, on an address that is not one of `ALLOWED_HOSTS`: through Django's
middleware it would get a 301 to HTTPS or a 400. These few read-only paths build no link and
set no cookie, so they are answered first.
"""

from __future__ import annotations

from . import views

PATHS = {
    "/healthz": views.healthz,
    "/healthz/ready": views.healthz,
    "/healthz/live": views.healthz_live,
}


class HealthCheckMiddleware:
    """Answer GET/HEAD of the health paths at once; everything else goes on as usual."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = PATHS.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)
