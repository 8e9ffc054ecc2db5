"""Name the django.contrib.sites record, which allauth prints in its emails."""

from django.conf import settings
from django.db import migrations


def name_site(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    domain = settings.SITE_URL.split("://", 1)[-1].rstrip("/")
    Site.objects.update_or_create(pk=settings.SITE_ID, defaults={"domain": domain, "name": "Fab Lab"})


class Migration(migrations.Migration):
    dependencies = [("sites", "0002_alter_domain_unique")]

    operations = [migrations.RunPython(name_site, migrations.RunPython.noop)]
