"""Give the default Catalog manager role the catalog's permissions; Support may view it."""

from django.db import migrations

MODELS = ["category", "product", "productvariant", "productimage", "producttype", "productoption",
          "optionvalue", "price", "promotionalprice", "tierprice", "review", "productslug"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Role = apps.get_model("accounts", "Role")
    RolePermission = apps.get_model("accounts", "RolePermission")
    Permission = apps.get_model("auth", "Permission")
    manager = Role.objects.filter(name="Catalog manager").first()
    support = Role.objects.filter(name="Support").first()
    for perm in Permission.objects.filter(content_type__app_label="catalog", content_type__model__in=MODELS):
        if manager:
            RolePermission.objects.get_or_create(role=manager, permission=perm)
        if support and perm.codename.startswith("view_"):
            RolePermission.objects.get_or_create(role=support, permission=perm)


def revoke(apps, schema_editor):
    RolePermission = apps.get_model("accounts", "RolePermission")
    RolePermission.objects.filter(permission__content_type__app_label="catalog").delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial"), ("accounts", "0003_default_roles")]
    operations = [migrations.RunPython(grant, revoke)]
