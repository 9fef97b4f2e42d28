"""
The baseline: a plain DRF ``ModelViewSet`` as a developer would write it for
the ``books`` table, with the same filters, ordering, search and pagination
the dynamic endpoint offers, so the two do the same work per request.
"""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters, permissions, serializers, viewsets
from rest_framework.pagination import PageNumberPagination

from access import audit
from access.policy import accepted_scopes, token_of
from bench.staticapp.models import Book

EQUALITY = ["exact", "in", "isnull"]
ORDERED = ["exact", "gt", "gte", "lt", "lte", "in", "isnull"]
TEXTUAL = ["exact", "in", "contains", "icontains", "startswith", "isnull"]


class BookSerializer(serializers.ModelSerializer):
    class Meta:
        model = Book
        fields = ["id", "title", "price", "genre", "published", "in_stock", "author"]


class BookFilterSet(django_filters.FilterSet):
    # The dynamic filter sets offer ``<field>__ne``; declare the same here.
    title__ne = django_filters.CharFilter(field_name="title", exclude=True)
    price__ne = django_filters.NumberFilter(field_name="price", exclude=True)
    genre__ne = django_filters.ChoiceFilter(
        field_name="genre", exclude=True, choices=Book.genre.field.choices
    )
    published__ne = django_filters.DateFilter(field_name="published", exclude=True)
    in_stock__ne = django_filters.BooleanFilter(field_name="in_stock", exclude=True)
    author__ne = django_filters.NumberFilter(field_name="author", exclude=True)

    class Meta:
        model = Book
        fields = {
            "id": ["exact", "in"],
            "title": TEXTUAL,
            "price": ORDERED,
            "genre": EQUALITY,
            "published": ORDERED,
            "in_stock": ["exact", "isnull"],
            "author": EQUALITY,
        }


class BookPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class PublicReadsScopedWrites(permissions.BasePermission):
    """The access a public schema has: anyone reads, a ``books:write`` token writes."""

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        token = token_of(request)
        scopes = accepted_scopes("books", request.method)
        return token is not None and any(token.allow_scopes([scope]) for scope in scopes)


class BookViewSet(viewsets.ModelViewSet):
    queryset = Book.objects.all()
    permission_classes = [PublicReadsScopedWrites]
    serializer_class = BookSerializer
    pagination_class = BookPagination
    filter_backends = [DjangoFilterBackend, filters.OrderingFilter, filters.SearchFilter]
    filterset_class = BookFilterSet
    ordering_fields = ["id", "title", "price", "genre", "published", "in_stock", "author"]
    ordering = ["id"]
    search_fields = ["title", "genre"]

    # What fauxsite does on every API write: an audit entry and a Location.
    def perform_create(self, serializer):
        super().perform_create(serializer)
        pk = serializer.instance.pk
        audit.record("created", "row", request=self.request, object_id=pk, schema_slug="books",
                     object_repr=f"books {pk}")

    def get_success_headers(self, data):
        return {"Location": f"{self.request.build_absolute_uri('/static-api/books/')}{data['id']}/"}
