"""Default roles. Apps added later extend them with their own permissions in their migrations."""

from django.db import migrations

# name: (parent, description, permissions as "app_label.codename")
ROLES = {
    "Staff": (None, "Every back-office user: sees the customer directory.", ["accounts.view_user"]),
    "Support": (
        "Staff",
        "Helps customers: reads their accounts, addresses and audit trail.",
        ["accounts.view_address", "auditing.view_auditevent"],
    ),
    "Catalog manager": ("Staff", "Builds the catalog.", []),
    "Warehouse": ("Staff", "Runs stock, receipts and shipments.", []),
    "Finance": ("Support", "Handles payments, refunds and disputes.", []),
    "Administrator": (
        "Support",
        "Manages staff accounts and roles and the maintenance jobs.",
        [
            "accounts.add_user", "accounts.change_user", "accounts.delete_user",
            "accounts.add_address", "accounts.change_address",
            "accounts.view_role", "accounts.add_role", "accounts.change_role", "accounts.delete_role",
            "accounts.view_lockout", "accounts.change_lockout",
            "auditing.view_jobrun",
        ],
    ),
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Role = apps.get_model("accounts", "Role")
    RolePermission = apps.get_model("accounts", "RolePermission")
    Permission = apps.get_model("auth", "Permission")
    created = {}
    for name, (parent, description, perms) in ROLES.items():
        role, _ = Role.objects.get_or_create(
            name=name, defaults={"description": description, "parent": created.get(parent)}
        )
        created[name] = role
        for perm in perms:
            app_label, codename = perm.split(".")
            permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
            RolePermission.objects.get_or_create(role=role, permission=permission)


def remove_roles(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    RolePermission = apps.get_model("accounts", "RolePermission")
    RolePermission.objects.filter(role__name__in=ROLES).delete()
    for name in reversed(list(ROLES)):
        Role.objects.filter(name=name).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_profile_addresses_tokens_roles"),
        ("auditing", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
