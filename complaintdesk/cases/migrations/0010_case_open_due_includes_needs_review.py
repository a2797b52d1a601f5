"""The queue's tab counts include "Needs review": keep them an index-only scan on PostgreSQL."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0009_case_open_in_review_index'),
        ('sla', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='case',
            name='case_open_due',
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('status', 'closed'), _negated=True), fields=['resolve_by', 'id'], include=('queue', 'assignee', 'status', 'resonance', 'clock_paused_since', 'kind', 'channel', 'topic', 'warn_at', 'sla_stage', 'needs_review'), name='case_open_due'),
        ),
    ]
