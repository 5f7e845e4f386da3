"""What PostgreSQL plans for a query when its last resorts are priced out.

With a sequential scan and a sort both switched off for the transaction, an index
shows in the plan only when it answers the query's exact expression or gives its
order. On a test's handful of rows the planner may otherwise pick any index that
happens to cover the filter (a partial unique index, say) and sort the few rows it
finds, so a test of "this order has an index" would hang on a coin toss.
"""

from django.db import connection, transaction


def plan(queryset) -> str:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
        return queryset.explain()
