"""
The plain-Django baseline: ``.values()`` into ``JsonResponse``, no DRF.

What a developer writes when speed matters more than features: the list
envelope fauxsite serves (``count``, ``next``, ``previous``, ``results``)
with ``page`` and ``page_size``, two filters (``genre``, ``price__gte``) and
``ordering`` for the filtered scenario, one row, and a create that checks
just enough to store a valid row.
"""

import json
from datetime import date
from decimal import Decimal, InvalidOperation

from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from bench.baselines.drfapp.models import GENRES, Book

COLUMNS = ["id", "title", "price", "genre", "published", "in_stock", "author"]
ORDERING_FIELDS = set(COLUMNS)
PAGE_SIZE, MAX_PAGE_SIZE = 20, 100


@csrf_exempt
@require_http_methods(["GET", "POST"])
def book_list(request):
    if request.method == "POST":
        return _create(request)
    try:
        page = max(1, int(request.GET.get("page", 1)))
        size = min(MAX_PAGE_SIZE, max(1, int(request.GET.get("page_size", PAGE_SIZE))))
        books = _filtered(request.GET)
    except (ValueError, InvalidOperation) as error:
        return JsonResponse({"detail": str(error)}, status=400)
    count = books.count()
    start = (page - 1) * size
    rows = list(books.values(*COLUMNS)[start:start + size])
    return JsonResponse({
        "count": count,
        "next": _page_url(request, page + 1) if start + size < count else None,
        "previous": _page_url(request, page - 1) if page > 1 else None,
        "results": rows,
    })


@require_GET
def book_detail(request, pk: int):
    row = Book.objects.filter(pk=pk).values(*COLUMNS).first()
    if row is None:
        raise Http404("No such book.")
    return JsonResponse(row)


def _filtered(query):
    books = Book.objects.all()
    if "genre" in query:
        books = books.filter(genre=query["genre"])
    if "price__gte" in query:
        books = books.filter(price__gte=Decimal(query["price__gte"]))
    ordering = [name for name in query.get("ordering", "").split(",") if name]
    if any(name.lstrip("-") not in ORDERING_FIELDS for name in ordering):
        raise ValueError("Unknown ordering field.")
    return books.order_by(*ordering, "id")


def _page_url(request, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _create(request):
    try:
        values = _valid_book(json.loads(request.body))
    except (ValueError, TypeError, KeyError, InvalidOperation) as error:
        return JsonResponse({"detail": f"Invalid book: {error}"}, status=400)
    book = Book.objects.create(**values)
    row = {"id": book.pk, **{name: values[name] for name in COLUMNS[1:-1]}, "author": book.author_id}
    response = JsonResponse(row, status=201)
    response["Location"] = request.build_absolute_uri(f"{book.pk}/")
    return response


def _valid_book(body: dict) -> dict:
    """Just enough checking to store a valid row; unknown keys are ignored."""
    title, genre, price = body["title"], body["genre"], Decimal(str(body["price"]))
    if not isinstance(title, str) or len(title) > 200:
        raise ValueError("title must be text of at most 200 characters")
    if genre not in GENRES:
        raise ValueError(f"genre must be one of {', '.join(GENRES)}")
    if price < 0 or price.as_tuple().exponent < -2 or price >= Decimal("1000000"):
        raise ValueError("price must be 0 to 999999.99 with at most 2 decimal places")
    published = body.get("published")
    in_stock = body.get("in_stock", True)
    if not isinstance(in_stock, bool) or not isinstance(body["author"], int):
        raise ValueError("in_stock must be a boolean and author an id")
    return {
        "title": title,
        "price": price.quantize(Decimal("0.01")),
        "genre": genre,
        "published": None if published is None else date.fromisoformat(published),
        "in_stock": in_stock,
        "author_id": body["author"],
    }
