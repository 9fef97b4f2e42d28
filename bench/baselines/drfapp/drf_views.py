"""
The DRF baseline: a ``ModelViewSet`` with DRF's stock filter backends and a
django-filter ``FilterSet`` declaring the filters and lookups fauxsite
offers on ``books``, page-number pagination (20, up to 100) and a
``ModelSerializer``.
"""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters, serializers, viewsets
from rest_framework.pagination import PageNumberPagination

from bench.baselines.drfapp.models import Book

EQUALITY = ["exact", "in", "isnull"]
ORDERED = ["exact", "gt", "gte", "lt", "lte", "in", "isnull"]
TEXTUAL = ["exact", "in", "contains", "icontains", "startswith", "isnull"]
FIELDS = ["id", "title", "price", "genre", "published", "in_stock", "author"]


class BookSerializer(serializers.ModelSerializer):
    class Meta:
        model = Book
        fields = FIELDS


class BookFilterSet(django_filters.FilterSet):
    # fauxsite offers ``<field>__ne`` on every field; declare the same here.
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


class StableOrderingFilter(filters.OrderingFilter):
    """DRF's ``OrderingFilter``, ties broken by id as fauxsite breaks them.

    Without it a page of ``ordering=-price`` may hold other rows among equal
    prices, and the payloads could not be compared.
    """

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        return [*ordering, "id"] if ordering else ordering


class BookPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class BookViewSet(viewsets.ModelViewSet):
    queryset = Book.objects.all()
    serializer_class = BookSerializer
    pagination_class = BookPagination
    filter_backends = [DjangoFilterBackend, StableOrderingFilter, filters.SearchFilter]
    filterset_class = BookFilterSet
    ordering_fields = FIELDS
    ordering = ["id"]
    search_fields = ["title", "genre"]

    def get_success_headers(self, data):
        # fauxsite answers a create with the new row's address; so does this.
        return {"Location": self.request.build_absolute_uri(f"{data['id']}/")}
