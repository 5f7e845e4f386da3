from django.urls import path

from . import views

app_name = "account"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-up/", views.sign_up, name="sign-up"),
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("verify/<str:token>/", views.verify_email, name="verify"),
    path("verify-resend/", views.verify_resend, name="verify-resend"),
    path("password-reset/", views.password_reset_request, name="password-reset"),
    path(
        "password-reset/<str:token>/",
        views.password_reset_confirm,
        name="password-reset-confirm",
    ),
    path("password/", views.password_change, name="password-change"),
    path("preferences/", views.preferences, name="preferences"),
    path("addresses/", views.addresses, name="addresses"),
    path("addresses/new/", views.address_edit, name="address-add"),
    path("addresses/<int:pk>/", views.address_edit, name="address-edit"),
    path("addresses/<int:pk>/delete/", views.address_delete, name="address-delete"),
    path("addresses/<int:pk>/default/", views.address_default, name="address-default"),
    path("my-data.json", views.data_export, name="export"),
]
