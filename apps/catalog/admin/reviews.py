"""Reviews: the moderation queue (approve / reject through the services)."""

from __future__ import annotations

from django.contrib import admin, messages

from apps.auditing.admin_mixins import (
    CappedCountPaginator,
    ShopErrorAdminMixin,
    search_all_words,
)

from .. import selectors, services
from ..forms import (
    ReviewAdminForm,
)
from ..models import (
    Review,
)
from ..models.reviews import pending_first


class RatingFilter(admin.SimpleListFilter):
    """1 to 5 stars, without asking the table which ratings occur (a DISTINCT over every
    review, as Django's filter for a field without choices does)."""

    title = "rating"
    parameter_name = "rating"

    def lookups(self, request, model_admin):
        return [(str(n), "★" * n) for n in range(1, 6)]

    def queryset(self, request, queryset):
        value = self.value()
        return (
            queryset.filter(rating=int(value))
            if value in {"1", "2", "3", "4", "5"}
            else queryset
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
    list_filter = ("status", RatingFilter, "verified_purchase")
    list_select_related = ("product", "user")
    search_fields = ("title", "body", "product__name")
    # Pending first (they need a decision), then newest: the index catalog_review_queue.
    ordering = (pending_first().asc(), "-created_at", "-id")
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
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

    def get_search_results(self, request, queryset, search_term):
        return search_all_words(queryset, search_term, selectors.review_matches), False

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
