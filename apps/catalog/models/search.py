from __future__ import annotations

from django.db import models


class SearchWord(models.Model):
    """A word of the published products' names, brands and tags, for "did you mean …".

    A materialized view (migration catalog.0008) refreshed by the `catalog.search_words_refresh`
    job: `stem` is the word's English stem, as full-text search sees it.
    """

    word = models.TextField(primary_key=True)
    stem = models.TextField()
    products = models.PositiveIntegerField()

    class Meta:
        managed = False
        db_table = "catalog_searchword"

    def __str__(self):
        return f"{self.word} ({self.products} products)"
