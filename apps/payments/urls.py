from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("account/cards/", views.cards, name="cards"),
    path("account/cards/<int:pk>/remove/", views.card_remove, name="card-remove"),
    path("orders/guest/<str:token>/pay/", views.guest_pay, name="guest-pay"),
    path("orders/<str:number>/pay/", views.pay, name="pay"),
    path(
        "payments/notifications/<slug:gateway>/",
        views.notification,
        name="notification",
    ),
]
