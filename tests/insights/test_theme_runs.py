"""Theme runs are stored with their themes; the next run marks new and growing themes."""

from datetime import timedelta

import pytest

from complaintdesk.cases.models import Case, Customer, Queue
from complaintdesk.insights import services
from complaintdesk.insights.models import Theme, ThemeRun
from tests.insights.conftest import NOW

pytestmark = pytest.mark.django_db

COURIER = "the courier was late again, delivery arrived hours late, courier did not call"
ATM = "the atm swallowed my cash and did not credit my account, atm deposit missing"
APP = "the mobile app crashes on login, app update broke login screen"


def add(texts, *, days_ago):
    customer = Customer.objects.get_or_create(email="t@example.com")[0]
    queue = Queue.objects.get(code="first-line")
    start = Case.objects.count()
    Case.objects.bulk_create([
        Case(reference=f"TH-{start + i:05d}", customer=customer, channel="email", queue=queue,
             received_at=NOW - timedelta(days=days_ago, minutes=i), text=f"{t} #{i}", kind="complaint")
        for i, t in enumerate(texts)
    ])


def run(days_back, days_to):
    qs = Case.objects.filter(received_at__gte=NOW - timedelta(days=days_back),
                             received_at__lt=NOW - timedelta(days=days_to))
    return services.run_themes(qs, start=NOW - timedelta(days=days_back),
                               end=NOW - timedelta(days=days_to), k=2)


def test_a_second_run_marks_a_new_theme_and_a_growing_one(queues, frozen):
    add([COURIER] * 10 + [ATM] * 10, days_ago=40)
    first = run(45, 30)
    assert first.n_cases == 20
    assert sorted(t.size for t in first.themes.all()) == [10, 10]
    assert not first.themes.filter(is_new=True).exists()  # nothing to compare with yet
    stored = first.themes.first()
    assert stored.key_phrases and stored.signature and len(stored.example_case_ids) == 5
    assert len(stored.member_case_ids) == 10

    add([COURIER] * 25 + [APP] * 10, days_ago=10)
    second = run(15, 0)
    assert second.previous == first
    courier = second.themes.get(label__icontains="courier")
    app = second.themes.get(label__icontains="app")
    assert courier.is_new is False and courier.growth == 2.5 and courier.is_growing
    assert courier.previous.run == first
    assert app.is_new is True


def test_the_themes_page_runs_and_shows_the_result(queues, frozen, analyst, login):
    add([COURIER] * 8 + [ATM] * 8, days_ago=3)
    client = login(analyst)
    response = client.post("/desk/insights/themes/", {"start": "2026-02-20", "end": "2026-03-03",
                                                      "k": 2})
    run_ = ThemeRun.objects.get()
    assert response["Location"] == f"/desk/insights/themes/{run_.pk}/"
    html = client.get(response["Location"]).content.decode()
    assert Theme.objects.count() == 2
    assert "Start a 5 Whys analysis" in html and "TH-0000" in html
