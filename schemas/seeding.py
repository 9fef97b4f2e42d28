"""Placeholder replaced by the seeding module."""


def fill_column(schema, field, model, pks=None):
    pass
