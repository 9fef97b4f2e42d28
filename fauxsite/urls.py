"""URL configuration: the API, its documentation, OAuth2, the admin and health checks."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularRedocView,
    SpectacularSwaggerOauthRedirectView,
    SpectacularSwaggerView,
)

from access.policy import docs_page
from api.docs_views import CachedSchemaView
from api.home import home
from api.views import ResourceViewSet
from fauxsite import health, views

resource_list = ResourceViewSet.as_view({"get": "list", "post": "create"})
resource_detail = ResourceViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)

urlpatterns = [
    path("", home, name="home"),
    path("api/v1/<slug:slug>/", resource_list, name="resource-list"),
    path("api/v1/<slug:slug>/<int:pk>/", resource_detail, name="resource-detail"),
    path("api/schema/", CachedSchemaView.as_view(), name="schema"),
    path("api/docs/", docs_page(SpectacularSwaggerView.as_view(url_name="schema")), name="swagger-ui"),
    path(
        "api/docs/oauth2-redirect.html",
        SpectacularSwaggerOauthRedirectView.as_view(),
        name="swagger-oauth-redirect",
    ),
    path("api/redoc/", docs_page(SpectacularRedocView.as_view(url_name="schema")), name="redoc"),
    path("o/", include("access.oauth", namespace="oauth2_provider")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Before the admin's own: the same URL (admin:login), with failures counted.
    path("admin/login/", views.admin_login),
    path("admin/", admin.site.urls),
]

handler400 = "fauxsite.views.bad_request"
handler404 = "fauxsite.views.not_found"
handler500 = "fauxsite.views.server_error"
