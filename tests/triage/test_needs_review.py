"""Needs review: a person confirms the model's kind, finds such cases, reads why in their language."""

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from complaintdesk.cases.models import Case, EventType
from complaintdesk.triage import kind
from complaintdesk.triage.templatetags.triage_tags import _LABELS

pytestmark = pytest.mark.django_db


def in_review(case: Case) -> Case:
    Case.objects.filter(pk=case.pk).update(needs_review=True, kind_confidence=0.41)
    return Case.objects.get(pk=case.pk)


def page(case: Case) -> str:
    return f"/desk/cases/{case.reference}/"


def test_keeping_the_kind_of_a_case_in_review_confirms_it_and_records_who(
    client, owner, make_case
) -> None:
    case = in_review(make_case())
    client.force_login(owner)
    response = client.post(page(case) + "classify/", {"kind": case.kind}, follow=True)
    case.refresh_from_db()
    assert not case.needs_review and case.kind_confidence is None
    confirmed = case.events.get(type=EventType.CONFIRMED)
    assert confirmed.actor == owner and confirmed.data["by"] == "person"
    assert confirmed.before == confirmed.after and confirmed.after["kind"] == case.kind
    assert not case.events.filter(type=EventType.RECLASSIFIED).exists()
    html = response.content.decode()
    assert "Classification confirmed." in html
    timeline = html[html.index('id="timeline"'):]
    timeline = timeline[:timeline.index("</ol>")]
    assert f"Kind: {case.get_kind_display()}" in timeline and " → " not in timeline.split(
        "Classification confirmed")[-1]


def test_keeping_the_kind_of_a_case_not_in_review_writes_nothing(client, owner, make_case) -> None:
    case = make_case()
    Case.objects.filter(pk=case.pk).update(needs_review=False)
    events = case.events.count()
    client.force_login(owner)
    response = client.post(page(case) + "classify/", {"kind": case.kind}, follow=True)
    assert list(case.events.values_list("type", flat=True)[events:]) == []
    assert "Nothing changed." in response.content.decode()


def test_the_api_confirms_through_the_same_rule(api_as, owner, make_case) -> None:
    case = in_review(make_case())
    response = api_as(owner).post(f"/cases/{case.reference}/classification", {"kind": case.kind})
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert not case.needs_review
    assert case.events.filter(type=EventType.CONFIRMED).count() == 1


def test_an_outsider_cannot_confirm_a_case_of_another_queue(client, outsider, make_case) -> None:
    case = in_review(make_case())
    client.force_login(outsider)
    response = client.post(page(case) + "classify/", {"kind": case.kind})
    assert response.status_code in (403, 404)
    case.refresh_from_db()
    assert case.needs_review and not case.events.filter(type=EventType.CONFIRMED).exists()


def test_the_queue_filter_lists_only_cases_that_need_review(client, owner, make_case) -> None:
    waiting = in_review(make_case(text="Курьер опоздал на два часа, продукты растаяли."))
    settled = make_case(text="Оператор был груб и бросил трубку, звонил трижды.")
    Case.objects.filter(pk=settled.pk).update(needs_review=False)
    client.force_login(owner)
    listed = client.get("/desk/", {"tab": "team", "review": "on"}).content.decode()
    everything = client.get("/desk/", {"tab": "team"}).content.decode()
    assert waiting.reference in listed and settled.reference not in listed
    assert waiting.reference in everything and settled.reference in everything


def test_the_review_tab_lists_open_cases_in_review_of_the_users_queues_and_counts_them(
        client, owner, outsider, make_case) -> None:
    waiting = in_review(make_case(text="Курьер опоздал на два часа, продукты растаяли."))
    settled = make_case(text="Оператор был груб и бросил трубку, звонил трижды.")
    Case.objects.filter(pk=settled.pk).update(needs_review=False)
    closed = in_review(make_case(text="Списали 600 рублей за доставку, которой не было."))
    Case.objects.filter(pk=closed.pk).update(status="closed")
    client.force_login(owner)
    response = client.get("/desk/", {"tab": "review"})
    listed = [row["case"].reference for row in response.context["rows"]]
    assert listed == [waiting.reference]
    assert response.context["counts"]["review"] == 1
    assert 'data-tab="review"' in response.content.decode()
    assert 'name="review"' not in response.content.decode()  # the tab is the filter already
    assert 'name="review"' in client.get("/desk/", {"tab": "team"}).content.decode()
    client.force_login(outsider)
    response = client.get("/desk/", {"tab": "review"})
    assert response.context["rows"] == [] and response.context["counts"]["review"] == 0


def test_the_board_counts_kinds_to_confirm_and_links_to_the_review_tab(
        client, owner, make_case) -> None:
    in_review(make_case())
    in_review(make_case())
    settled = make_case()
    Case.objects.filter(pk=settled.pk).update(needs_review=False)
    client.force_login(owner)
    body = client.get("/desk/board/").content.decode()
    assert '<a id="review-count" href="/desk/?tab=review"' in body
    assert body.split('id="review-count"')[1].split(">")[1].startswith("2<")


def test_every_signal_the_kind_model_writes_has_a_label_for_the_page() -> None:
    assert set(kind._SIGNAL_NAMES.values()) <= set(_LABELS)


def test_the_explanation_shows_signals_remedy_and_kinds_in_russian(make_case) -> None:
    case = make_case(text="Списали 600 рублей за услугу, которую я не заказывал. Верните деньги.")
    event = case.events.filter(type=EventType.CLASSIFIED).latest("at")
    assert "signal: asks for money back" in event.data["explanation"]
    with translation.override("ru"):
        russian = render_to_string("triage/explanation.html", {"case": case})
    with translation.override("en"):
        english = render_to_string("triage/explanation.html", {"case": case})
    assert "просит вернуть деньги" in russian and "asks for money back" not in russian
    assert "Вернуть деньги" in russian or "Возврат денег" in russian
    assert "asks for money back" in english and "Money back" in english


def test_a_kind_given_at_intake_is_said_in_the_readers_language_not_shown_as_a_phrase(
    make_case
) -> None:
    case = make_case(kind="complaint")
    with translation.override("ru"):
        html = render_to_string("triage/explanation.html", {"case": case})
    assert "вид указан при регистрации" in html
    assert '<mark class="phrase">kind given' not in html and "kind given at intake" not in html
