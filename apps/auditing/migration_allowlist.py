"""The migrations the linter lets pass, each rule with the reason it was reviewed and allowed.

Only migrations that have been applied somewhere belong here; a new migration is fixed
instead (apps/auditing/migration_lint.py says how). An entry that excuses nothing any more
fails the test, so the list only shrinks.
"""

BEFORE_TIMEOUTS = (
    "Written before migrations set their own timeouts; `manage.py migrate` sets them for"
    " the session it runs in."
)

ALLOWED: dict[str, dict[str, str]] = {
    "accounts.0001_initial": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "accounts.0002_profile_addresses_tokens_roles": {
        "timeouts": BEFORE_TIMEOUTS,
        "column-rewrite": "is_staff got a help text only: no SQL runs (sqlmigrate shows nothing for it).",
        "index-not-concurrent": "Ran while accounts_user held only the first staff accounts, before any shop was live.",
    },
    "accounts.0003_default_roles": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "accounts.0004_trigger_errors_name_their_rule": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "accounts.0005_tables_refuse_truncate": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "accounts.0006_keys_never_change": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "accounts.0007_columns_that_never_change": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "accounts.0008_history_scrub_function": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "auditing.0001_initial": {
        "timeouts": BEFORE_TIMEOUTS,
        "index-not-concurrent": "The indexes are on auditing_auditevent, created by the same migration's SQL.",
        "constraint-not-valid": "The constraints are on tables created by the same migration's SQL.",
    },
    "auditing.0002_redaction_marker_only": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "auditing.0003_drain_compares": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "auditing.0004_definer_functions": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "auditing.0005_drain_quarantine": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "auditing.0006_guard_by_key": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "auditing.0007_db_role_session": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "auditing.0008_quarantine_retry": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "catalog.0001_initial": {
        "timeouts": BEFORE_TIMEOUTS,
        "index-not-concurrent": "The search index is on catalog_product, created by the same migration.",
    },
    "catalog.0002_catalog_manager_role": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "catalog.0003_history": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "catalog.0004_category_tree_order_numeric": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "catalog.0005_tables_refuse_truncate": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "catalog.0006_keys_never_change": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "catalog.0007_rating_refresh_function": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "inventory.0001_initial": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "inventory.0002_warehouse_role": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "inventory.0003_trigger_errors_name_their_rule": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "inventory.0004_tables_refuse_truncate": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "inventory.0005_keys_never_change": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "inventory.0006_columns_that_never_change": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "inventory.0007_reserved_from_reservations": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "inventory.0008_on_hand_from_the_owners_function": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "inventory.0009_reservation_variant_matches_stock": {
        "timeouts": BEFORE_TIMEOUTS,
        "constraint-not-valid": "Landed before any shop was live; reservations are short-lived and the table small. A live shop would add it NOT VALID and validate later.",
    },
    "orders.0001_initial": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "orders.0002_expired_paid_with_stock": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "orders.0003_paid_at_index": {
        "timeouts": BEFORE_TIMEOUTS,
        "index-not-concurrent": "Landed with orders, before any shop took orders: orders_order was empty.",
    },
    "payments.0001_initial": {
        "timeouts": BEFORE_TIMEOUTS,
    },
    "payments.0002_gateway_notification": {
        "timeouts": BEFORE_TIMEOUTS,
    },
}
