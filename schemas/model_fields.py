"""
Model fields of runtime models whose operators follow fauxsite's semantics.

Django's text lookups compile to LIKE, whose case rules depend on the engine
and its locale. These subclasses carry the dialect lookups instead, so
``__contains`` is case-sensitive and ``__icontains`` folds Unicode case on
every engine (docs/semantics.md). Only runtime models use them; Django's own
models keep Django's lookups.
"""

from __future__ import annotations

from django.db import models

from datasources.dialects.lookups import TEXT_LOOKUPS


def _with_text_lookups(field_class: type[models.Field]) -> type[models.Field]:
    for lookup in TEXT_LOOKUPS:
        field_class.register_lookup(lookup)
    return field_class


@_with_text_lookups
class TextCharField(models.CharField):
    pass


@_with_text_lookups
class TextTextField(models.TextField):
    pass


@_with_text_lookups
class TextEmailField(models.EmailField):
    pass


@_with_text_lookups
class TextURLField(models.URLField):
    pass
