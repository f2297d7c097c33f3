"""Factories for people and their roles."""

import factory

from thuocdo.accounts.models import Role, RoleAssignment, User
from thuocdo.accounts.policy import forget_role_scopes
from thuocdo.units.models import Unit

DEFAULT_PASSWORD = "Mat-khau-thu-nghiem-2025"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"canbo{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Cán Bộ {n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.vn")
    password = factory.django.Password(DEFAULT_PASSWORD)
    is_active = True


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    """A role held in a unit (Hà Nội unless told). Granting through `role_grant` is what
    the services tests exercise; this is the shortcut for setting the scene."""

    class Meta:
        model = RoleAssignment
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    unit = factory.LazyFunction(lambda: Unit.objects.get(code="01"))
    role = Role.VIEWER

    @factory.post_generation
    def forget_cached_scopes(obj: RoleAssignment, create: bool, extracted: object, **kwargs: object) -> None:
        # The policy caches a user's roles on the user object; a new role must be seen.
        forget_role_scopes(obj.user)
