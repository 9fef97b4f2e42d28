"""Page-number pagination with a configurable, enforced page-size cap."""

from django.conf import settings
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class ResourcePagination(PageNumberPagination):
    page_size_query_param = "page_size"

    @property
    def page_size(self) -> int:
        return settings.FAUXSITE_PAGE_SIZE

    @property
    def max_page_size(self) -> int:
        return settings.FAUXSITE_MAX_PAGE_SIZE

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param, "1")
        if not _positive_int(raw):
            raise ValidationError({self.page_query_param: ["Must be a whole number of 1 or more."]})
        return raw

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not _positive_int(raw):
            raise ValidationError(
                {self.page_size_query_param: ["Must be a whole number of 1 or more."]}
            )
        # Larger requests are served at the cap, as documented in the OpenAPI.
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Rows per page, {self.page_size} by default; values over "
                    f"{self.max_page_size} are served as {self.max_page_size}."
                )
                parameter["schema"] = {"type": "integer", "minimum": 1}
            elif parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters


def _positive_int(raw: str) -> bool:
    return raw.isdigit() and int(raw) >= 1
