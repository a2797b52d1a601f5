"""The queue lists: tabs, filters kept in the URL, sorting, paging, masking, SLA badges."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaintdesk.cases import services
from complaintdesk.cases.models import Case

pytestmark = pytest.mark.django_db


def refs(response) -> list[str]:
    return [row["case"].reference for row in response.context["rows"]]


def test_my_cases_tab_lists_only_cases_assigned_to_me(client, owner, teammate, make_case):
    mine, other = make_case(), make_case()
    services.assign(case=mine, assignee=teammate, actor=owner)
    client.force_login(teammate)
    assert refs(client.get("/desk/")) == [mine.reference]
    assert set(refs(client.get("/desk/?tab=unassigned"))) == {other.reference}
    assert set(refs(client.get("/desk/?tab=team"))) == {mine.reference, other.reference}


def test_team_tab_hides_queues_the_user_is_not_in(client, outsider, make_case):
    make_case()
    client.force_login(outsider)
    assert refs(client.get("/desk/?tab=team")) == []


def test_overdue_and_resonance_tabs(client, owner, make_case, frozen):
    late = make_case()
    loud = make_case(resonance_source="media")
    frozen.shift(timedelta(days=30))
    client.force_login(owner)
    assert late.reference in refs(client.get("/desk/?tab=overdue"))
    assert refs(client.get("/desk/?tab=resonance")) == []  # resonance goes to the special group
    client.force_login(_special_supervisor(owner, loud))
    assert refs(client.get("/desk/?tab=resonance")) == [loud.reference]


def _special_supervisor(owner, case):
    from complaintdesk.accounts.models import QueueMembership

    QueueMembership.objects.get_or_create(user=owner, queue=Case.objects.get(pk=case.pk).queue)
    return owner


def test_filters_by_kind_status_topic_channel_customer_and_text(client, owner, make_case):
    claim = make_case(kind="claim", topic="cards-atm-cash", channel="phone", amount_claimed=500,
                      currency="RUB", customer_name="Maria", customer_email="maria@example.com",
                      text="ATM swallowed my cash")
    complaint = make_case(kind="complaint", topic="delivery-late", text="Courier was late")
    client.force_login(owner)
    base = "/desk/?tab=team"
    assert refs(client.get(base + "&kind=claim")) == [claim.reference]
    assert refs(client.get(base + "&status=acknowledged")) == [claim.reference]  # phone
    assert refs(client.get(base + "&topic=cards")) == [claim.reference]  # level-1 parent
    assert refs(client.get(base + "&channel=email")) == [complaint.reference]
    assert refs(client.get(base + "&customer=maria@")) == [claim.reference]
    assert refs(client.get(base + "&q=courier")) == [complaint.reference]
    assert refs(client.get(base + f"&q={claim.reference}")) == [claim.reference]


def test_filters_persist_in_tab_sort_and_page_links(client, owner, make_case):
    for _ in range(30):
        make_case(kind="complaint")
    client.force_login(owner)
    body = client.get("/desk/?tab=team&kind=complaint&q=courier").content.decode()
    assert "?tab=team&amp;kind=complaint&amp;q=courier&amp;page=2" in body
    assert "?tab=unassigned&amp;kind=complaint&amp;q=courier" in body
    assert "sort=-deadline" in body
    page2 = client.get("/desk/?tab=team&kind=complaint&q=courier&page=2")
    assert len(page2.context["rows"]) == 5


def test_sorting_by_deadline_both_ways(client, owner, make_case, frozen):
    first = make_case()
    frozen.shift(timedelta(hours=2))
    second = make_case()
    client.force_login(owner)
    assert refs(client.get("/desk/?tab=team")) == [first.reference, second.reference]
    assert refs(client.get("/desk/?tab=team&sort=-deadline")) == [second.reference, first.reference]


def test_analyst_sees_customers_masked_in_the_list_and_cannot_search_by_them(
        client, analyst, make_case):
    make_case(customer_name="Ivan Petrov", customer_email="ivan@example.com")
    client.force_login(analyst)
    body = client.get("/desk/?tab=team").content.decode()
    assert "Ivan Petrov" not in body and "I***" in body
    assert refs(client.get("/desk/?tab=team&customer=ivan")) == []


def test_kinds_are_visually_distinct_badges(client, owner, make_case):
    make_case(kind="claim", amount_claimed=100, currency="RUB")
    make_case(kind="complaint")
    client.force_login(owner)
    body = client.get("/desk/?tab=team").content.decode()
    assert 'class="badge kind-claim"' in body and 'class="badge kind-complaint"' in body


def test_sla_badge_colours_follow_the_share_of_the_clock_used(client, owner, make_case, frozen):
    fresh = make_case()
    client.force_login(owner)
    rows = {r["case"].reference: r["badge"] for r in client.get("/desk/?tab=team").context["rows"]}
    assert rows[fresh.reference].state == "on_track"
    assert "left" in rows[fresh.reference].label
    frozen.shift(timedelta(days=12))  # 8 business days of 10 later
    rows = {r["case"].reference: r["badge"] for r in client.get("/desk/?tab=team").context["rows"]}
    assert rows[fresh.reference].state == "warned"
    frozen.shift(timedelta(days=10))
    client.force_login(owner)  # the session of three weeks ago has expired
    rows = {r["case"].reference: r["badge"] for r in client.get("/desk/?tab=team").context["rows"]}
    assert rows[fresh.reference].state == "breached"
    assert "overdue" in rows[fresh.reference].label


def test_paused_clock_shows_paused(client, owner, make_case):
    case = make_case()
    services.transition(case=case, to="acknowledged", actor=owner)
    services.transition(case=case, to="waiting_customer", actor=owner)
    client.force_login(owner)
    body = client.get("/desk/?tab=team").content.decode()
    assert 'data-sla="paused"' in body


def test_htmx_request_gets_only_the_table(client, owner, make_case):
    make_case()
    client.force_login(owner)
    response = client.get("/desk/?tab=team", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert 'id="cases"' in body and "<html" not in body


def test_list_badge_maths_agrees_with_the_sla_service(owner, make_case, frozen):
    from complaintdesk.desk.sla_badges import ROW_RELATED, share_used, with_pauses
    from complaintdesk.sla.services import clock_share_used

    a = make_case()
    b = make_case(kind="claim", amount_claimed=10, currency="RUB")
    services.transition(case=b, to="acknowledged", actor=owner)
    services.transition(case=b, to="waiting_customer", actor=owner)
    frozen.shift(timedelta(hours=30))
    services.add_message(case=b, body="here you go", direction="in", actor=None)
    frozen.shift(timedelta(hours=5))
    now = timezone.now()
    for case in with_pauses(Case.objects.select_related(*ROW_RELATED).filter(pk__in=[a.pk, b.pk])):
        assert share_used(case, now=now) == pytest.approx(clock_share_used(case, now=now))
