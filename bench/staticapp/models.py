"""
Hand-written models with the same columns and constraints as the benchmark's
``authors`` and ``books`` schemas (see ``bench/books.py``).
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

GENRES = ["fiction", "nonfiction", "poetry", "drama", "science"]


class Author(models.Model):
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Book(models.Model):
    title = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal(0))])
    genre = models.CharField(max_length=10, choices=[(genre, genre) for genre in GENRES])
    published = models.DateField(null=True, blank=True)
    in_stock = models.BooleanField(default=True)
    # Like a reference field: no database constraint, PROTECT in the ORM.
    author = models.ForeignKey(
        Author, on_delete=models.PROTECT, db_constraint=False, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title
