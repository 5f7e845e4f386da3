"""The shop's user: email is the login."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from apps.auditing.softdelete import SoftDeleteModel, SoftDeleteQuerySet, alive_unique
from apps.auditing.triggers import audited, soft_delete_trigger


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
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta(SoftDeleteModel.Meta):
        constraints = [
            alive_unique(
                name="accounts_user_email_unique_alive", expressions=[Lower("email")]
            ),
        ]
        triggers = [*audited(exclude=["password"]), soft_delete_trigger()]

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email
