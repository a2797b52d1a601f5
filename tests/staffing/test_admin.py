"""Queue staffing settings and answered waits are managed in the admin."""

import pytest

from complaintdesk.staffing.models import AnsweredWait

pytestmark = pytest.mark.django_db


def test_staffing_settings_and_answered_waits_have_admin_pages(client, phone_staffing,
                                                               django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root"))
    AnsweredWait.objects.create(queue=phone_staffing.queue, channel="phone", waited_seconds=42)
    for path in ("/admin/staffing/queuestaffing/", "/admin/staffing/answeredwait/",
                 f"/admin/staffing/queuestaffing/{phone_staffing.pk}/change/",
                 "/admin/staffing/queuestaffing/add/"):
        assert client.get(path).status_code == 200, path


def test_a_channel_has_at_most_one_settings_row_per_queue(phone_staffing):
    from django.db import IntegrityError, transaction

    from complaintdesk.staffing.models import QueueStaffing

    with pytest.raises(IntegrityError), transaction.atomic():
        QueueStaffing.objects.create(queue=phone_staffing.queue, channel="phone")
