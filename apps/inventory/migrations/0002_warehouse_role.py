"""Give the default Warehouse role the inventory permissions; Support may view stock."""

from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Role = apps.get_model("accounts", "Role")
    RolePermission = apps.get_model("accounts", "RolePermission")
    Permission = apps.get_model("auth", "Permission")
    warehouse = Role.objects.filter(name="Warehouse").first()
    support = Role.objects.filter(name="Support").first()
    for perm in Permission.objects.filter(content_type__app_label="inventory"):
        if warehouse and not perm.codename.startswith("delete_"):
            RolePermission.objects.get_or_create(role=warehouse, permission=perm)
        if support and perm.codename in ("view_stock", "view_reservation"):
            RolePermission.objects.get_or_create(role=support, permission=perm)
    if warehouse:
        for codename in ("view_productvariant", "view_product"):
            perm = Permission.objects.filter(content_type__app_label="catalog", codename=codename).first()
            if perm:
                RolePermission.objects.get_or_create(role=warehouse, permission=perm)


def revoke(apps, schema_editor):
    RolePermission = apps.get_model("accounts", "RolePermission")
    RolePermission.objects.filter(permission__content_type__app_label="inventory").delete()


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial"), ("accounts", "0003_default_roles")]
    operations = [migrations.RunPython(grant, revoke)]
