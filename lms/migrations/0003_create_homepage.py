"""Replace Wagtail's placeholder welcome page with the BSR Academy home page."""

from django.db import migrations

HOME_INTRO = (
    "Training and exercises for the people who keep the Baltic Sea Region safe: fire and rescue "
    "services, police, border and coast guards, municipalities, volunteers and young people."
)


def create_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("lms.HomePage")

    if HomePage.objects.exists():
        return
    Page.objects.filter(depth=2, slug="home", content_type__model="page").delete()
    locale = Locale.objects.order_by("pk").first()
    content_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="lms")
    root = Page.objects.get(depth=1)
    path = root.path + "%04d" % (root.numchild + 1)
    if Page.objects.filter(path=path).exists():
        path = root.path + "%04d" % (Page.objects.filter(depth=2).count() + 1)
    home = HomePage.objects.create(
        title="BSR Academy",
        draft_title="BSR Academy",
        slug="home",
        content_type=content_type,
        path=path,
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=locale,
        intro=HOME_INTRO,
        live=True,
    )
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    Site.objects.filter(is_default_site=True).delete()
    Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)


def remove_homepage(apps, schema_editor):
    apps.get_model("lms.HomePage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0002_homepage"),
        ("wagtailcore", "0001_initial"),
    ]
    run_before: list = []

    operations = [migrations.RunPython(create_homepage, remove_homepage)]
