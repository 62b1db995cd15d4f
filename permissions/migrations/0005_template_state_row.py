"""The single TemplateState row, at version 0 until the county's template is applied."""

from django.db import migrations


def create_state(apps, schema_editor):
    apps.get_model("permissions", "TemplateState").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("permissions", "0004_duties")]
    operations = [migrations.RunPython(create_state, migrations.RunPython.noop)]
