"""The DRF baseline under ``/drf/``, the plain-Django one under ``/plain/``."""

from django.http import HttpResponse
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from bench.baselines.drfapp import plain_views
from bench.baselines.drfapp.drf_views import BookViewSet

router = SimpleRouter()
router.register("books", BookViewSet, basename="book")

urlpatterns = [
    path("drf/", include(router.urls)),
    path("plain/books/", plain_views.book_list),
    path("plain/books/<int:pk>/", plain_views.book_detail),
    path("healthz", lambda request: HttpResponse("ok")),
]
