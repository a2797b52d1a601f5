from django.db import migrations


def install(apps, schema_editor):
    from complaintdesk.replies import defaults

    defaults.install(apps)


class Migration(migrations.Migration):
    dependencies = [("replies", "0001_canned_answers")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
