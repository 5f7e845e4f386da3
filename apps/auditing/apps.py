from django.apps import AppConfig


class AuditingConfig(AppConfig):
    name = "apps.auditing"
    label = "auditing"
    verbose_name = "Auditing and maintenance"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import checks, db, roles, schedule  # noqa: F401  (checks registers itself)

        db.connect_signals()
        post_migrate.connect(schedule.sync_on_migrate, sender=self)
        post_migrate.connect(db.ignore_list_owner_only, sender=self)
        post_migrate.connect(roles.sync_on_migrate, sender=self)
