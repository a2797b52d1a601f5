"""The read audit: who viewed which customer's data, when, through which channel, from where;
administrators read it in the admin, nobody edits it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from complaintdesk.accounts.models import ReadAccess
from complaintdesk.cases import services

pytestmark = pytest.mark.django_db


def test_opening_a_case_on_the_desk_records_who_what_when_and_from_where(
    client, owner, make_case, frozen
):
    case = make_case()
    client.force_login(owner)
    assert client.get(f"/desk/cases/{case.reference}/", REMOTE_ADDR="198.51.100.4").status_code == 200
    [entry] = ReadAccess.objects.all()
    assert (entry.user, entry.user_label, entry.channel, entry.kind) == (owner, "olga", "desk", "case")
    assert entry.object_ref == case.reference and entry.customer_id == case.customer_id
    assert entry.ip == "198.51.100.4" and entry.at.isoformat().startswith("2026-03-03T07:00")


def test_api_reads_of_a_case_its_timeline_messages_and_the_customer_are_recorded(
    api_as, owner, make_case
):
    case = make_case()
    api = api_as(owner)
    for path in (f"/cases/{case.reference}", f"/cases/{case.reference}/timeline",
                 f"/cases/{case.reference}/messages", f"/customers/{case.customer_id}"):
        assert api.get(path).status_code == 200, path
    rows = list(ReadAccess.objects.order_by("pk").values_list("channel", "kind", "what",
                                                                "customer_id"))
    cid = case.customer_id
    assert rows == [("api", "case", "case", cid), ("api", "case", "timeline", cid),
                    ("api", "case", "messages", cid), ("api", "customer", "profile", cid)]


def test_downloading_an_attachment_is_recorded(client, owner, make_case):
    case = make_case()
    item = services.add_attachment(
        case=case, upload=SimpleUploadedFile("receipt.txt", b"paid 600", "text/plain"), actor=owner)
    client.force_login(owner)
    assert client.get(f"/desk/attachments/{item.pk}/").status_code == 200
    entry = ReadAccess.objects.get()
    assert (entry.kind, entry.object_ref, entry.customer_id) == ("attachment", str(item.pk),
                                                                 case.customer_id)


def test_a_refused_view_and_the_queue_list_record_nothing(client, outsider, owner, make_case):
    case = make_case()
    client.force_login(outsider)
    # Refused (403, or 404 where existence itself is hidden): not a read.
    assert client.get(f"/desk/cases/{case.reference}/").status_code in (403, 404)
    client.force_login(owner)
    assert client.get("/desk/").status_code == 200
    assert not ReadAccess.objects.exists()


def test_the_audit_behind_a_proxy_records_the_client_not_the_proxy(client, owner, make_case,
                                                                   settings):
    settings.TRUSTED_PROXY_COUNT = 1
    case = make_case()
    client.force_login(owner)
    client.get(f"/desk/cases/{case.reference}/", REMOTE_ADDR="10.0.0.2",
               HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert ReadAccess.objects.get().ip == "203.0.113.7"


def test_a_case_page_view_costs_one_insert(client, owner, make_case):
    case = make_case()
    client.force_login(owner)
    client.get(f"/desk/cases/{case.reference}/")  # warm the per-process caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(f"/desk/cases/{case.reference}/")
    audit_writes = [q["sql"] for q in queries.captured_queries
                    if "accounts_readaccess" in q["sql"]]
    assert len(audit_writes) == 1 and audit_writes[0].lstrip().upper().startswith("INSERT")


def test_administrators_read_and_filter_the_audit_but_nobody_changes_it(
    client, admin_user, owner, make_case, api_as
):
    case = make_case()
    api_as(owner).get(f"/cases/{case.reference}")
    client.force_login(owner)
    client.get(f"/desk/cases/{case.reference}/")
    entry = ReadAccess.objects.filter(channel="api").get()
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    page = client.get("/admin/accounts/readaccess/", {"channel__exact": "api"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    by_customer = client.get("/admin/accounts/readaccess/", {"q": str(case.customer_id)})
    assert by_customer.status_code == 200 and by_customer.context["cl"].result_count == 2
    change = client.get(f"/admin/accounts/readaccess/{entry.pk}/change/")
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert client.get("/admin/accounts/readaccess/add/").status_code == 403
    assert client.post(f"/admin/accounts/readaccess/{entry.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    assert ReadAccess.objects.count() == 2


def test_staff_who_are_not_administrators_cannot_read_the_audit(client, owner, make_case):
    owner.is_staff = True
    owner.save()
    client.force_login(owner)
    assert client.get("/admin/accounts/readaccess/").status_code == 403


def test_audit_rows_are_append_only(owner, make_case, client):
    case = make_case()
    client.force_login(owner)
    client.get(f"/desk/cases/{case.reference}/")
    entry = ReadAccess.objects.get()
    entry.what = "edited"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
