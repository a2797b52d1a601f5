"""Dashboard pages, permissions, charts served locally, exports safe against formula injection."""

import csv
import io

import pytest
from openpyxl import load_workbook

from complaintdesk.accounts.models import AuditEntry
from tests.insights.conftest import NOW

pytestmark = pytest.mark.django_db

PAYLOAD = '=HYPERLINK("http://evil.example/","x")'
Q = "?start=2026-02-01&end=2026-03-03"


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("who", ["teammate", "specialist", "outsider"])
def test_operators_and_specialists_get_403_on_every_insight_page(who, request, login, frozen):
    user = request.getfixturevalue(who)
    client = login(user)
    for path in ("/desk/insights/", "/desk/insights/export/volumes.csv", "/desk/insights/spikes/",
                 "/desk/insights/watchlist/", "/desk/insights/themes/", "/desk/insights/actions/",
                 "/desk/insights/rootcauses/", "/desk/insights/recovery/",
                 "/desk/insights/schedules/"):
        assert client.get(path).status_code == 403, path


def test_anonymous_visitors_are_sent_to_login(client, queues):
    response = client.get("/desk/insights/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["owner", "analyst", "admin_user"])
def test_supervisors_analysts_and_admins_see_the_dashboard_with_local_plotly(who, request, login, mk):
    mk(kind="complaint", topic="delivery-late")
    mk(kind="claim", topic="cards-atm-cash", amount_claimed=100, channel="phone")
    response = login(request.getfixturevalue(who)).get("/desk/insights/" + Q)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/plotly.min.js" in html
    assert "cdn.plot.ly" not in html and "cdn.jsdelivr" not in html
    assert "Plotly.newPlot" in html
    for key in ("volumes", "timeliness", "quality", "complaint_rate", "money",
                "satisfaction_topic", "satisfaction_queue"):
        assert f'id="panel-{key}"' in html
        assert f"/desk/insights/export/{key}.xlsx?" in html


def test_the_insights_link_shows_in_the_desk_nav_only_for_insight_roles(login, owner, teammate):
    assert "/desk/insights/" in login(owner).get("/desk/").content.decode()
    assert "/desk/insights/" not in login(teammate).get("/desk/").content.decode()


def test_every_other_insight_page_renders(login, owner, frozen):
    client = login(owner)
    for path in ("spikes/", "watchlist/", "themes/", "rootcauses/", "rootcauses/new/", "actions/",
                 "actions/?overdue=1", "recovery/", "schedules/", "base/"):
        assert client.get("/desk/insights/" + path).status_code == 200, path


def test_csv_export_streams_the_filtered_table_and_neutralises_formulas(login, admin_user, mk):
    mk(topic="delivery-late", product=PAYLOAD)
    mk(topic="delivery-late", product="plain", channel="phone")
    response = login(admin_user).get("/desk/insights/export/cases.csv" + Q + "&channel=email")
    assert response.streaming
    assert response["Content-Disposition"].startswith("attachment;")
    rows = read_csv(response)
    assert rows[0][0] == "reference"
    assert len(rows) == 2
    assert rows[1][rows[0].index("product")] == "'" + PAYLOAD
    assert AuditEntry.objects.filter(action="insights.export", actor=admin_user).exists()


def test_xlsx_export_keeps_formulas_as_text(login, analyst, mk):
    mk(topic="delivery-late", product=PAYLOAD)
    response = login(analyst).get("/desk/insights/export/cases.xlsx" + Q)
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    values = [c.value for c in ws[2]]
    assert "'" + PAYLOAD in values
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_aggregate_xlsx_export_has_the_dashboard_numbers(login, owner, mk):
    mk(kind="complaint")
    mk(kind="complaint", email="b@example.com")
    response = login(owner).get("/desk/insights/export/volumes_channel.xlsx" + Q)
    ws = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in ws[1]] == ["kind", "channel", "cases"]
    assert [c.value for c in ws[2]] == ["complaint", "email", 2]


def test_analysts_get_customer_data_masked_in_case_exports(login, analyst, admin_user, mk):
    mk(name="Ivan Petrov", email="ivan@example.com")
    masked = read_csv(login(analyst).get("/desk/insights/export/cases.csv" + Q))
    full = read_csv(login(admin_user).get("/desk/insights/export/cases.csv" + Q))
    col = masked[0].index("customer")
    assert masked[1][col] == "I***"
    assert full[1][col] == "Ivan Petrov"
    assert "ivan@example.com" not in str(masked)


def test_supervisors_may_export_aggregates_but_not_the_case_list(login, owner, mk):
    mk()
    client = login(owner)
    assert client.get("/desk/insights/export/quality.csv" + Q).status_code == 200
    assert client.get("/desk/insights/export/cases.csv" + Q).status_code == 403


def test_unknown_tables_and_formats_are_404(login, admin_user, frozen):
    client = login(admin_user)
    assert client.get("/desk/insights/export/nope.csv").status_code == 404
    assert client.get("/desk/insights/export/volumes.pdf").status_code == 404


def test_watch_list_names_repeat_complainers_masked_for_analysts(login, analyst, owner, mk):
    for d in (1, 5, 9):
        mk(name="Serial Person", email="serial@example.com", days_ago=d)
    mk(name="Once Only", email="once@example.com")
    loud = mk(name="Media Person", email="media@example.com")
    loud.__class__.objects.filter(pk=loud.pk).update(resonance=True, resonance_source="media")
    html = login(analyst).get("/desk/insights/watchlist/").content.decode()
    assert "S***" in html and "Serial Person" not in html
    assert "M***" in html and "Once" not in html
    html_owner = login(owner).get("/desk/insights/watchlist/").content.decode()
    assert "Serial Person" in html_owner and "resonance" in html_owner


def test_watch_list_counts_unanswered_repeats_and_escalations(mk, admin_user):
    from complaintdesk.cases import services as case_services
    from complaintdesk.insights import reports

    a = mk(email="w@example.com", days_ago=3)
    mk(email="w@example.com", days_ago=2)
    case_services.escalate(case=a, actor=None, reason="angry")
    f = reports.Filters.from_params({"start": "2026-02-01", "end": "2026-03-03"}, now=NOW)
    table = reports.watch_list(admin_user, f, min_cases=3)
    row = dict(zip(table.header, list(table.rows)[0], strict=True))
    assert row["open without answer"] == 2 and row["escalations (ever)"] == 1
    assert row["risk"] == "high"
