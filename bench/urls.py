"""fauxsite's URLs plus the hand-written baseline under ``/static-api/``."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from bench.staticapp.views import BookViewSet

router = SimpleRouter()
router.register("books", BookViewSet, basename="static-book")

urlpatterns = [
    path("static-api/", include(router.urls)),
    path("", include("fauxsite.urls")),
]

handler404 = "fauxsite.views.not_found"
handler500 = "fauxsite.views.server_error"
