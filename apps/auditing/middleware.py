"""Audit context for storefront and admin requests."""

from __future__ import annotations

import re
import uuid

from django.urls import reverse

from .clientip import client_ip
from .context import actor_kind_for, audit_context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def request_id_for(request) -> str:
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    return incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


class AuditContextMiddleware:
    """Record who changed what from the storefront (`web`) or the admin (`admin`)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._admin_prefix = None

    def admin_prefix(self) -> str:
        if self._admin_prefix is None:
            self._admin_prefix = reverse("admin:index")
        return self._admin_prefix

    def __call__(self, request):
        source = "admin" if request.path.startswith(self.admin_prefix()) else "web"
        request.request_id = request_id_for(request)

        def resolve():
            user = getattr(request, "user", None)
            kind = actor_kind_for(user)
            return (user.pk if kind != "anonymous" else None), kind

        with audit_context(
            source=source,
            request_id=request.request_id,
            ip=client_ip(request),
            extra={"path": request.path[:200], "method": request.method},
            actor_resolver=resolve,
            follow_actor=True,
        ):
            response = self.get_response(request)
        response.headers.setdefault("X-Request-ID", request.request_id)
        return response
