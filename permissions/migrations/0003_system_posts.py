"""The two system posts every tenant has from the start."""

from django.db import migrations

SYSTEM_POSTS = [
    ("tenant_admin", "系统管理员"),
    ("county_admin", "县局管理员"),
]


def create_posts(apps, schema_editor):
    Post = apps.get_model("permissions", "Post")
    for code, name in SYSTEM_POSTS:
        Post.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("permissions", "0002_initial")]
    operations = [migrations.RunPython(create_posts, migrations.RunPython.noop)]
