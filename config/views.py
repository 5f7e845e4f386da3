from django.shortcuts import render


def home(request):
    """Storefront home page."""
    return render(request, "home.html")
