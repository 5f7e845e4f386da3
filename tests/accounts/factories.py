import factory
from django.contrib.auth.models import Permission

from apps.accounts.models import Address, Role, User

PASSWORD = "correct horse battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    user = factory.SubFactory(UserFactory)
    kind = Address.Kind.SHIPPING
    full_name = factory.Faker("name")
    line1 = factory.Faker("street_address")
    city = factory.Faker("city")
    postal_code = factory.Faker("postcode")
    country = "DE"


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    name = factory.Sequence(lambda n: f"Role {n}")


def permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def tokens_backdate(queryset, **fields) -> int:
    """Re-issue tokens in the past (expired, old enough to purge) for a test's given state.

    A token's dates never change in the shop (`accounts_accounttoken_token_immutable`, which
    the application's role cannot set aside): each token is replaced by the same token (id,
    hash, purpose) issued at the given dates.
    """
    from apps.accounts.models import AccountToken

    tokens = list(queryset.order_by("pk"))
    AccountToken.objects.filter(pk__in=[t.pk for t in tokens]).delete()
    for token in tokens:
        for name, value in fields.items():
            setattr(token, name, value)
        token.save(force_insert=True)
    return len(tokens)
