from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
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


class CategoryListing(models.Model):
    """What an unfiltered listing of a category's subtree shows besides its products: how
    many published products it holds and which option values their active variants have.

    A materialized view (migration catalog.0010) refreshed by the
    `catalog.category_listings_refresh` job; `category_id` 0 is the whole catalog. Counting
    and joining a large subtree on every cold page is what it saves.
    """

    category_id = models.IntegerField(primary_key=True)
    products = models.PositiveIntegerField()
    option_value_ids = ArrayField(models.IntegerField())

    class Meta:
        managed = False
        db_table = "catalog_categorylisting"

    def __str__(self):
        scope = (
            "the whole catalog"
            if self.category_id == 0
            else f"category {self.category_id}"
        )
        return f"{scope}: {self.products} products, {len(self.option_value_ids)} option values"


class ProductFacets(models.Model):
    """The option values of a product's active variants, for the filters of a search page.

    A materialized view (migration catalog.0012) refreshed with the category listings. A
    search unites the rows of its results; a product the last refresh did not see, or saw
    without option values, has its values read live, so a new product's options are never
    missing; other changes show up at the next refresh.
    """

    product_id = models.BigIntegerField(primary_key=True)
    option_value_ids = ArrayField(models.IntegerField())

    class Meta:
        managed = False
        db_table = "catalog_productfacets"

    def __str__(self):
        return f"product {self.product_id}: {len(self.option_value_ids)} option values"
