"""An order states what its lines add up to (subtotal, discount, tax, item count), checked
by the database at commit: a deferred constraint trigger on the order and on its lines."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

from apps.auditing.migration_ops import SetTimeouts


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0003_paid_at_index'),
    ]

    operations = [
        SetTimeouts(),
        pgtrigger.migrations.AddTrigger(
            model_name='order',
            trigger=pgtrigger.compiler.Trigger(name='adds_up_to_its_lines', sql=pgtrigger.compiler.UpsertTriggerSql(constraint='CONSTRAINT', func="\n            IF EXISTS (\n                SELECT FROM orders_order o\n                 CROSS JOIN LATERAL (\n                     SELECT coalesce(sum(l.unit_price * l.quantity), 0) AS subtotal,\n                            coalesce(sum(l.discount), 0) AS discount,\n                            coalesce(sum(l.tax), 0) AS tax,\n                            coalesce(sum(l.quantity), 0) AS item_count\n                       FROM orders_orderline l WHERE l.order_id = o.id\n                 ) s\n                 WHERE o.id = NEW.id\n                   AND (o.subtotal, o.discount, o.tax, o.item_count)\n                       IS DISTINCT FROM (s.subtotal, s.discount, s.tax, s.item_count)\n            ) THEN\n                RAISE EXCEPTION 'orders_order_adds_up_to_its_lines: order % states other sums than its lines', NEW.id\n                    USING ERRCODE = 'check_violation', CONSTRAINT = 'orders_order_adds_up_to_its_lines';\n            END IF;\n            RETURN NULL;\n        ", hash='11abfd5e8616b8957c6ef4b99f0700c503996e79', operation='INSERT', pgid='pgtrigger_adds_up_to_its_lines_43482', table='orders_order', timing='DEFERRABLE INITIALLY DEFERRED', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='orderline',
            trigger=pgtrigger.compiler.Trigger(name='order_adds_up', sql=pgtrigger.compiler.UpsertTriggerSql(constraint='CONSTRAINT', func="\n            IF EXISTS (\n                SELECT FROM orders_order o\n                 CROSS JOIN LATERAL (\n                     SELECT coalesce(sum(l.unit_price * l.quantity), 0) AS subtotal,\n                            coalesce(sum(l.discount), 0) AS discount,\n                            coalesce(sum(l.tax), 0) AS tax,\n                            coalesce(sum(l.quantity), 0) AS item_count\n                       FROM orders_orderline l WHERE l.order_id = o.id\n                 ) s\n                 WHERE o.id = NEW.order_id\n                   AND (o.subtotal, o.discount, o.tax, o.item_count)\n                       IS DISTINCT FROM (s.subtotal, s.discount, s.tax, s.item_count)\n            ) THEN\n                RAISE EXCEPTION 'orders_order_adds_up_to_its_lines: order % states other sums than its lines', NEW.order_id\n                    USING ERRCODE = 'check_violation', CONSTRAINT = 'orders_order_adds_up_to_its_lines';\n            END IF;\n            RETURN NULL;\n        ", hash='96b17935d87e1ccb2345cd56dd6fdeccb6aff168', operation='INSERT', pgid='pgtrigger_order_adds_up_dd04e', table='orders_orderline', timing='DEFERRABLE INITIALLY DEFERRED', when='AFTER')),
        ),
    ]
