"""Reviews: the moderation queue (approve / reject through the services)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Case, Value, When

from apps.auditing.admin_mixins import ShopErrorAdminMixin

from .. import services
from ..forms import (
    ReviewAdminForm,
)
from ..models import (
    Review,
)


@admin.register(Review)
class ReviewAdmin(ShopErrorAdminMixin, admin.ModelAdmin):
    form = ReviewAdminForm
    list_display = (
        "product",
        "user",
        "rating",
        "status",
        "verified_purchase",
        "created_at",
    )
    list_filter = ("status", "rating", "verified_purchase")
    list_select_related = ("product", "user")
    search_fields = ("title", "body", "product__name")
    # Pending first (they need a decision), then newest.
    ordering = (
        Case(When(status="pending", then=Value(0)), default=Value(1)).asc(),
        "-created_at",
        "-id",
    )
    fields = (
        "product",
        "user",
        "rating",
        "title",
        "body",
        "verified_purchase",
        "status",
        "moderated_by_id",
        "moderated_at",
        "created_at",
    )
    readonly_fields = (
        "product",
        "user",
        "rating",
        "title",
        "body",
        "verified_purchase",
        "moderated_by_id",
        "moderated_at",
        "created_at",
    )
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        return False  # customers write reviews

    def has_delete_permission(self, request, obj=None):
        return False  # reject instead: the decision stays on record

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data:
            services.review_moderate(review=obj, status=obj.status, actor=request.user)

    def _moderate(self, request, queryset, status):
        count = 0
        for review in queryset.order_by("pk"):
            services.review_moderate(review=review, status=status, actor=request.user)
            count += 1
        self.message_user(
            request, f"Marked {count} review(s) {status}.", messages.SUCCESS
        )

    @admin.action(description="Approve selected reviews", permissions=["change"])
    def approve(self, request, queryset):
        self._moderate(request, queryset, Review.Status.APPROVED)

    @admin.action(description="Reject selected reviews", permissions=["change"])
    def reject(self, request, queryset):
        self._moderate(request, queryset, Review.Status.REJECTED)
