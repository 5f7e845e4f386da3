"""Query expressions the apps share."""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Expression, F, QuerySet
from django.db.models.expressions import RawSQL


class AnyOf(Expression):
    """`column = ANY(ARRAY(subquery))`: true when the row's column is among the ids the
    subquery returns (`ids`: a queryset selecting one column, or an array expression), or
    among a list of ids (`column = ANY(%s::bigint[])`: one parameter, where `IN` would
    send, and PostgreSQL plan, one per id: 4 ms of planning for 500 ids).

    PostgreSQL runs the subquery once and looks the ids up in the column's index, so the
    condition can be OR-ed with the table's other indexed conditions (a bitmap OR). An
    `IN (subquery)` or a join in an OR is tested row by row over the whole table instead:
    the admin's searches across relations use this.
    """

    conditional = True
    output_field = models.BooleanField()

    def __init__(self, column: str, ids):
        super().__init__()
        # Unordered: a model's default order (through a relation, even) would be sorted
        # for nothing.
        if isinstance(ids, QuerySet):
            ids = ArraySubquery(ids.order_by())
        elif isinstance(ids, list | tuple):
            # Handed to psycopg as it is: a Value() of an ArrayField would prepare every
            # id through the field first (5 ms for 500 ids).
            ids = RawSQL(
                "%s::bigint[]",
                [list(ids)],
                output_field=ArrayField(models.BigIntegerField()),
            )
        self.column, self.subquery = F(column), ids

    def get_source_expressions(self):
        return [self.column, self.subquery]

    def set_source_expressions(self, exprs):
        self.column, self.subquery = exprs

    def as_sql(self, compiler, connection):
        column_sql, column_params = compiler.compile(self.column)
        array_sql, array_params = compiler.compile(self.subquery)
        return f"{column_sql} = ANY({array_sql})", (*column_params, *array_params)
