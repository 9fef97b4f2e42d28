"""The landing page: what is served here and where to read about it."""

from django.shortcuts import render

from schemas.catalog import current_catalog


def home(request):
    return render(request, "home.html", {"resources": list(current_catalog())})
