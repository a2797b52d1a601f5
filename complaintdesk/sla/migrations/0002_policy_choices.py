"""Policy kind, channel and priority take the case register's codes; the calendar a default.

Rows typed by hand before ("Claim", "Web ") are brought to the code they meant when one matches
case-insensitively; anything else is left for an admin to see and fix in the form.
"""

import complaintdesk.sla.models
import django.db.models.deletion
from django.db import migrations, models


CODES = {
    "kind": ["complaint", "claim", "question", "suggestion", "gratitude", "unclassified"],
    "channel": ["phone", "email", "web", "chat", "social", "sms", "regulator", "letter", "api"],
    "priority": ["low", "normal", "high", "urgent"],
}


def to_codes(apps, schema_editor):
    Policy = apps.get_model("sla", "Policy")
    for policy in Policy.objects.all():
        changed = []
        for name, codes in CODES.items():
            value = getattr(policy, name)
            code = value.strip().lower()
            if value and value != code and code in codes:
                setattr(policy, name, code)
                changed.append(name)
        if changed:
            policy.save(update_fields=changed)


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='policy',
            name='calendar',
            field=models.ForeignKey(default=complaintdesk.sla.models.default_calendar, on_delete=django.db.models.deletion.PROTECT, to='sla.calendar'),
        ),
        migrations.AlterField(
            model_name='policy',
            name='channel',
            field=models.CharField(blank=True, choices=[('phone', 'Phone'), ('email', 'E-mail'), ('web', 'Web form'), ('chat', 'Chat'), ('social', 'Social network'), ('sms', 'SMS'), ('regulator', 'Regulator referral'), ('letter', 'Letter'), ('api', 'API')], max_length=20),
        ),
        migrations.AlterField(
            model_name='policy',
            name='kind',
            field=models.CharField(blank=True, choices=[('complaint', 'Complaint'), ('claim', 'Claim'), ('question', 'Question'), ('suggestion', 'Suggestion'), ('gratitude', 'Gratitude'), ('unclassified', 'Unclassified')], max_length=20),
        ),
        migrations.AlterField(
            model_name='policy',
            name='priority',
            field=models.CharField(blank=True, choices=[('low', 'Low'), ('normal', 'Normal'), ('high', 'High'), ('urgent', 'Urgent')], max_length=10),
        ),
        migrations.RunPython(to_codes, migrations.RunPython.noop),
    ]
