"""A partial index for the desk's "Needs review" list: open cases whose kind awaits a person."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_event_confirmed"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("needs_review", True))
                & models.Q(("status", "closed"), _negated=True),
                fields=["resolve_by", "id"],
                name="case_open_in_review_due",
            ),
        ),
    ]
