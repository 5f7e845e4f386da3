from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("c/<path:slugs>/", views.category, name="category"),
    path("p/<slug:slug>/", views.product, name="product"),
    path("search/", views.search, name="search"),
]
