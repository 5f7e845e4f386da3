"""Users (email is the login), addresses, single-use tokens, hierarchical roles, lockouts."""

from __future__ import annotations

import pgtrigger
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import Permission, PermissionsMixin
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Upper
from django.utils import timezone

from apps.auditing.history import track_history
from apps.auditing.softdelete import SoftDeleteModel, SoftDeleteQuerySet, alive_unique
from apps.auditing.triggers import audited, immutable, set_once, soft_delete_trigger
from apps.auditing.validators import phone_valid, validate_phone

from .preferences import KNOWN_KEYS


class UserManager(BaseUserManager.from_queryset(SoftDeleteQuerySet)):
    """Alive users only; the default manager, so deleted users cannot sign in."""

    use_in_migrations = True

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin, SoftDeleteModel):
    email = models.EmailField("email address", max_length=254)
    full_name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=32, blank=True, validators=[validate_phone])
    is_staff = models.BooleanField(
        default=False,
        help_text="Can sign in to the back office (with the rights of their roles).",
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    preferences = models.JSONField(default=dict, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta(SoftDeleteModel.Meta):
        constraints = [
            phone_valid("accounts_user"),
            alive_unique(
                name="accounts_user_email_unique_alive", expressions=[Lower("email")]
            ),
        ]
        indexes = [
            models.Index(
                "date_joined",
                condition=Q(is_active=True, deleted_at__isnull=True),
                name="accounts_user_active_joined",
            ),
            models.Index(
                Lower("email"),
                condition=Q(email_verified_at__isnull=False, deleted_at__isnull=True),
                name="accounts_user_verified_email",
            ),
            models.Index(
                "is_staff", condition=Q(is_staff=True), name="accounts_user_staff"
            ),
            # The admin's list: ordered by email, searched by email, name or phone with
            # `icontains`, i.e. UPPER(col::text) LIKE UPPER('%term%').
            models.Index(fields=["email"], name="accounts_user_email"),
            GinIndex(
                OpClass(Upper("email"), name="gin_trgm_ops"),
                name="accounts_user_email_trgm",
            ),
            GinIndex(
                OpClass(Upper("full_name"), name="gin_trgm_ops"),
                name="accounts_user_name_trgm",
            ),
            GinIndex(
                OpClass(Upper("phone"), name="gin_trgm_ops"),
                name="accounts_user_phone_trgm",
            ),
        ]
        triggers = [
            *audited(exclude=["password"]),
            *soft_delete_trigger(),
            pgtrigger.Trigger(
                name="preferences_known_keys",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("preferences"),
                func=f"""
                    IF jsonb_typeof(NEW.preferences) <> 'object'
                       OR (NEW.preferences - '{{{",".join(KNOWN_KEYS)}}}'::text[]) <> '{{}}'::jsonb THEN
                        RAISE EXCEPTION 'accounts_user_preferences_known_keys: unknown preference key in %',
                            NEW.preferences USING ERRCODE = 'check_violation',
                            CONSTRAINT = 'accounts_user_preferences_known_keys';
                    END IF;
                    RETURN NEW;
                """,
            ),
        ]

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None


class Address(SoftDeleteModel):
    class Kind(models.TextChoices):
        SHIPPING = "shipping", "Shipping"
        BILLING = "billing", "Billing"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="addresses")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    is_default = models.BooleanField(default=False)
    full_name = models.CharField(max_length=200)
    company = models.CharField(max_length=200, blank=True)
    line1 = models.CharField("address line 1", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20)
    region = models.CharField(max_length=100, blank=True)
    country = models.CharField(
        max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. DE"
    )
    phone = models.CharField(max_length=32, blank=True, validators=[validate_phone])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(SoftDeleteModel.Meta):
        ordering = ["-is_default", "kind", "id"]
        verbose_name_plural = "addresses"
        constraints = [
            phone_valid("accounts_address"),
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=Q(is_default=True, deleted_at__isnull=True),
                name="accounts_address_one_default_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["shipping", "billing"]),
                name="accounts_address_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(country__regex=r"^[A-Z]{2}$"),
                name="accounts_address_country_iso",
            ),
        ]
        indexes = [
            models.Index(
                fields=["user"],
                condition=Q(deleted_at__isnull=True),
                name="accounts_address_alive",
            )
        ]
        triggers = [*audited(), *soft_delete_trigger()]

    def __str__(self):
        return f"{self.full_name}, {self.line1}, {self.postal_code} {self.city}, {self.country}"


class AccountToken(models.Model):
    """A single-use, expiring token; only its SHA-256 is stored."""

    class Purpose(models.TextChoices):
        VERIFY_EMAIL = "verify_email", "Email verification"
        PASSWORD_RESET = "password_reset", "Password reset"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="accounts_token_expires_after_created",
            ),
            models.UniqueConstraint(
                fields=["user", "purpose"],
                condition=Q(used_at__isnull=True, superseded_at__isnull=True),
                name="accounts_token_one_live_per_purpose",
            ),
        ]
        indexes = [models.Index(fields=["expires_at"], name="accounts_token_expires")]
        triggers = [
            # What a token is, and for how long, is fixed when it is issued; once used or
            # superseded it stays so (a used token cannot be made usable again).
            immutable(
                "token_immutable",
                "user",
                "purpose",
                "token_hash",
                "created_at",
                "expires_at",
            ),
            set_once("token_spent_once", "used_at", "superseded_at"),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} token for {self.user.email}"


class Role(models.Model):
    """A set of permissions; a role also has every permission of its ancestors."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="This role inherits every permission of its parent.",
    )
    permissions = models.ManyToManyField(
        Permission, through="RolePermission", blank=True, related_name="roles"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="accounts_role_not_own_parent"
            ),
        ]
        triggers = [
            *audited(),
            pgtrigger.Trigger(
                name="role_no_cycle",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("parent_id"),
                func="""
                    -- One writer at a time on the role tree, so two concurrent moves cannot
                    -- each pass this check and together make a cycle.
                    PERFORM pg_advisory_xact_lock(hashtext('accounts_role_tree'));
                    IF NEW.parent_id IS NOT NULL AND EXISTS (
                        WITH RECURSIVE ancestors(id) AS (
                            SELECT NEW.parent_id
                            UNION
                            SELECT r.parent_id FROM accounts_role r JOIN ancestors a ON r.id = a.id
                            WHERE r.parent_id IS NOT NULL
                        )
                        SELECT 1 FROM ancestors WHERE id = NEW.id
                    ) THEN
                        RAISE EXCEPTION 'accounts_role_no_cycle: role % cannot descend from itself', NEW.id
                            USING ERRCODE = 'check_violation', CONSTRAINT = 'accounts_role_no_cycle';
                    END IF;
                    RETURN NEW;
                """,
            ),
        ]

    def __str__(self):
        return self.name

    def ancestors(self) -> list[Role]:
        chain, node, seen = [], self.parent, {self.pk}
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain


class RolePermission(models.Model):
    role = models.ForeignKey(Role, on_delete=models.CASCADE)
    permission = models.ForeignKey(Permission, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["role", "permission"], name="accounts_rolepermission_unique"
            )
        ]
        triggers = [*audited()]

    def __str__(self):
        return f"{self.role} — {self.permission.codename}"


class UserRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="grants")
    granted_by_id = models.BigIntegerField(null=True, blank=True)
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"], name="accounts_userrole_unique"
            )
        ]
        triggers = [*audited()]

    def __str__(self):
        return f"{self.user} as {self.role}"


class Lockout(models.Model):
    """A sign-in lockout: of an account from one address, of an address, or of an account.

    See apps/accounts/throttle.py for who each one refuses.
    """

    class Scope(models.TextChoices):
        PAIR = "pair", "Account from one address"
        ACCOUNT = "account", "Account"
        IP = "ip", "IP address"

    scope = models.CharField(max_length=10, choices=Scope.choices)
    key = models.CharField(
        max_length=254, help_text="Lower-cased email, or the IP address"
    )
    address = models.GenericIPAddressField(
        null=True, blank=True, help_text="The address an account is locked from"
    )
    locked_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField()
    failures = models.PositiveIntegerField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(
        max_length=20, blank=True
    )  # expiry / staff / password_reset

    class Meta:
        ordering = ["-locked_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key", "address"],
                condition=Q(ended_at__isnull=True),
                nulls_distinct=False,
                name="accounts_lockout_one_active",
            ),
            models.CheckConstraint(
                condition=Q(scope="pair", address__isnull=False)
                | (~Q(scope="pair") & Q(address__isnull=True)),
                name="accounts_lockout_address_for_pairs",
            ),
        ]
        indexes = [
            models.Index(
                fields=["locked_until"],
                condition=Q(ended_at__isnull=True),
                name="accounts_lockout_active",
            )
        ]
        triggers = [*audited()]

    def __str__(self):
        where = f" from {self.address}" if self.address else ""
        return f"{self.get_scope_display()} {self.key}{where} until {self.locked_until:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None and self.locked_until > timezone.now()


track_history(User, excluded_fields=["password", "last_login", "preferences"])
track_history(Role)
