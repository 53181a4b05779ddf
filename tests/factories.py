"""factory_boy factories for the kernel's models."""

import factory

from lms.models import Organisation, Profile, Sector, User

NAMES = [
    "Jānis Bērziņš",
    "Žydrūnas Šimkus",
    "Þórunn Guðmundsdóttir",
    "Małgorzata Wąsowska",
    "Søren Ærø",
    "Õie Täht",
]


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Rescue Service {n}")
    country = "LV"
    sector = Sector.FIRE_RESCUE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "Correct-Horse-42")

    @factory.post_generation
    def profile(obj, create, extracted, **kwargs):
        if not create:
            return
        obj.save()
        defaults = {"full_name": NAMES[obj.pk % len(NAMES)], "country": "LV"}
        defaults.update(kwargs)
        Profile.objects.create(user=obj, **defaults)
