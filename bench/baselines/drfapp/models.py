"""
``Author`` and ``Book`` as a developer would write them, mapped onto the
tables fauxsite serves (``managed = False``: fauxsite created them, this
project only reads and inserts rows).
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from bench.baselines.drfapp.tables import column, table

GENRES = ["fiction", "nonfiction", "poetry", "drama", "science"]


class Author(models.Model):
    name = models.CharField(max_length=100, db_column=column("authors", "name"))

    class Meta:
        managed = False
        db_table = table("authors", "authors")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Book(models.Model):
    title = models.CharField(max_length=200, db_column=column("books", "title"))
    price = models.DecimalField(
        max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal(0))],
        db_column=column("books", "price"),
    )
    genre = models.CharField(
        max_length=10, choices=[(genre, genre) for genre in GENRES], db_column=column("books", "genre")
    )
    published = models.DateField(null=True, blank=True, db_column=column("books", "published"))
    in_stock = models.BooleanField(default=True, db_column=column("books", "in_stock"))
    author = models.ForeignKey(
        Author, on_delete=models.PROTECT, db_constraint=False, related_name="+",
        db_column=column("books", "author"),
    )

    class Meta:
        managed = False
        db_table = table("books", "books")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title
