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
    """Move tokens into the past (expired, old enough to purge) for a test's given state.

    A token's dates never change in the shop (`accounts_accounttoken_token_immutable`); a
    test that needs an old token sets its rule aside for this one statement.
    """
    import pgtrigger

    with pgtrigger.ignore("accounts.AccountToken:token_immutable"):
        return queryset.update(**fields)
