"""A JSON parser that refuses bodies over the configured size or depth before using them."""

from django.conf import settings
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

# Deep enough for any document the API accepts (a JSON field nests at most
# 32 levels inside the body's object), shallow enough that nothing recurses
# into trouble on it.
MAX_BODY_DEPTH = 64


class PayloadTooLarge(APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class CappedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        if length and length.isdigit() and int(length) > limit:
            raise PayloadTooLarge(f"The request body is over the limit of {limit} bytes.")
        try:
            document = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_too_deep()) from None
        if _depth_exceeds(document, MAX_BODY_DEPTH):
            raise ParseError(_too_deep())
        return document


def _too_deep() -> str:
    return f"JSON parse error - the body nests more than {MAX_BODY_DEPTH} levels deep."


def _depth_exceeds(document, limit: int) -> bool:
    # Iterative: the point is not to recurse on hostile input.
    pending = [(document, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return False
