"""Issue #21: canned answers — managed by supervisors in the desk, placeholders filled from the
case (deadline in the case's zone), offered by fit, counted when the reply is sent."""

from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.test import Client
from django.utils import timezone, translation

from complaintdesk.cases import services
from complaintdesk.cases.models import Case, EventType, Message
from complaintdesk.cases.times import case_time
from complaintdesk.replies import defaults, placeholders
from complaintdesk.replies import services as replies
from complaintdesk.replies.defaults import STARTER
from complaintdesk.replies.models import CannedAnswer
from tests.conftest import MSK


@pytest.fixture(autouse=True)
def _starter_set(db):
    """The data migration installs it; a transactional test elsewhere may have flushed it."""
    defaults.install(django_apps)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def answer(**overrides) -> CannedAnswer:
    values = dict(title="Test answer", language="en", body="Dear {customer_name}, {reference}.")
    values.update(overrides)
    return CannedAnswer.objects.create(**values)


@pytest.fixture
def claim(make_case, owner, frozen):
    """A claim of the 1st line decided upheld with 600 RUB paid back, in Russian."""
    case = make_case(kind="claim", queue="first-line", customer_name="Иван Петров",
                     amount_claimed=Decimal("600"), currency="RUB", language="ru")
    services.transition(case=case, to="assessment", actor=owner)
    return services.decide(case=case, outcome="upheld", actor=owner, amount_paid=Decimal("600"),
                           text="Вернём.")


# ---------------------------------------------------------------- the starter set


def test_a_fresh_installation_has_the_starter_answers_in_russian_and_english(db):
    for language in ("ru", "en"):
        installed = CannedAnswer.objects.filter(language=language, active=True)
        assert installed.count() == sum(1 for row in STARTER if row[1] == language) == 6
        assert {a.outcome for a in installed} >= {"upheld", "partly", "rejected"}
        assert installed.filter(set_status="waiting_customer").exists()
        assert installed.filter(set_status="acknowledged", body__contains="{deadline}").exists()
        for item in installed:
            assert placeholders.unknown(item.body) == []


# ---------------------------------------------------------------- placeholders


def test_placeholders_are_filled_from_the_case_with_the_deadline_in_its_local_zone(claim):
    text = replies.render(answer(language="ru", body=(
        "{customer_name}|{reference}|{deadline}|{amount}|{decision}")), claim)
    name, reference, deadline, amount, decision = text.split("|")
    assert (name, reference) == ("Иван Петров", claim.reference)
    local = timezone.localtime(claim.resolve_by, MSK)
    assert f"{local.hour}:{local.minute:02d}" in deadline and "(МСК)" in deadline
    with translation.override("ru"):
        assert deadline == case_time(claim, claim.resolve_by)
    assert amount == "600,00 RUB"
    assert decision == "Удовлетворена"


def test_english_answers_write_the_same_case_in_english(claim):
    text = replies.render(answer(language="en", body="{deadline} / {amount} / {decision}"), claim)
    assert "Moscow time" in text and "600.00 RUB" in text and text.endswith("Upheld")


def test_a_value_is_never_read_as_a_placeholder_or_a_template(make_case, frozen):
    case = make_case(customer_name="{reference} {{ settings.SECRET_KEY }} {% debug %}")
    text = replies.render(answer(body="Hello {customer_name}"), case)
    assert text == "Hello {reference} {{ settings.SECRET_KEY }} {% debug %}"


@pytest.mark.parametrize("body", [
    "Dear {name}", "{0.__class__}", "{customer_name.__class__}", "{{ case.customer.email }}",
    "{reference!r}", "{amount:>10}",
])
def test_unknown_placeholders_are_refused_when_saved_in_the_desk(owner, body):
    response = login(owner).post("/desk/answers/new/", {"title": "Bad", "language": "en",
                                                        "body": body})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Unknown placeholders" in page and "{customer_name}" in page
    assert not CannedAnswer.objects.filter(title="Bad").exists()


# ---------------------------------------------------------------- managing them in the desk


def test_a_supervisor_creates_edits_and_deactivates_an_answer_in_the_desk(owner, make_case,
                                                                           frozen):
    client = login(owner)
    response = client.post("/desk/answers/new/", {
        "title": "Card reissued", "language": "en", "kind": "complaint", "outcome": "",
        "body": "Dear {customer_name}, your new card is on its way.", "set_status": "",
        "active": "on"})
    assert response.status_code == 302
    created = CannedAnswer.objects.get(title="Card reissued")
    assert created.created_by == owner and created.kind == "complaint"
    assert "Card reissued" in client.get("/desk/answers/").content.decode()
    case = make_case(queue="first-line", kind="complaint", language="en")
    assert f'value="{created.pk}"' in client.get(f"/desk/cases/{case.reference}/").content.decode()

    response = client.post(f"/desk/answers/{created.pk}/", {
        "title": "Card reissued", "language": "en", "kind": "complaint",
        "body": "Dear {customer_name}, the card is on its way."})  # «active» unticked
    assert response.status_code == 302
    created.refresh_from_db()
    assert not created.active and created.body.endswith("the card is on its way.")
    assert f'value="{created.pk}"' not in client.get(
        f"/desk/cases/{case.reference}/").content.decode()


@pytest.mark.parametrize("who", ["teammate", "specialist", "analyst"])
def test_only_supervisors_and_administrators_manage_answers(request, who):
    client = login(request.getfixturevalue(who))
    assert client.get("/desk/answers/").status_code == 403
    assert client.post("/desk/answers/new/", {"title": "X", "language": "en",
                                              "body": "x"}).status_code == 403
    assert not CannedAnswer.objects.filter(title="X").exists()


def test_an_unknown_answer_is_404(owner):
    assert login(owner).get("/desk/answers/999999/").status_code == 404


# ---------------------------------------------------------------- which answers fit


def test_answers_that_fit_the_case_come_first(claim):
    fitting, others = replies.for_case(claim)
    titles = [a.title for a in fitting]
    assert titles[0] == "Претензия удовлетворена, возврат суммы"  # kind and decision match
    assert "Отказ с причинами и правом обжалования" not in titles  # contradicts «upheld»
    assert "Запрос документов" in titles  # general answers fit any case
    assert all(a.language == "ru" for a in fitting)
    assert {a.language for a in others} == {"ru", "en"}


def test_a_topic_answer_fits_cases_of_its_subtopics(make_case, frozen):
    from complaintdesk.cases.models import Topic

    cards = Topic.objects.get(code="cards")
    special = answer(title="About cards", language="en", topic=cards)
    on_card = make_case(topic="cards-blocked", language="en")
    on_app = make_case(topic="digital-app", language="en")
    assert replies.for_case(on_card)[0][0] == special
    assert special in replies.for_case(on_app)[1]


# ---------------------------------------------------------------- inserting one in the reply box


def test_the_reply_box_gets_the_filled_answer_after_what_was_typed(claim, owner):
    chosen = CannedAnswer.objects.get(title="Претензия удовлетворена, возврат суммы")
    response = login(owner).post(f"/desk/cases/{claim.reference}/answer-text/",
                                 {"pick": chosen.pk, "body": "Добрый день."},
                                 headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="reply-body"' in html and f'name="answer" value="{chosen.pk}"' in html
    assert "Добрый день.\n\nЗдравствуйте, Иван Петров!" in html
    assert claim.reference in html and "600,00 RUB" in html
    chosen.refresh_from_db()
    assert chosen.uses == 0  # inserted is not sent


def test_the_reply_box_says_which_status_the_answer_will_set(make_case, owner, frozen):
    case = make_case(queue="first-line", language="en")
    docs = CannedAnswer.objects.get(title="Request for documents")
    html = login(owner).post(f"/desk/cases/{case.reference}/answer-text/",
                             {"pick": docs.pk, "body": ""}).content.decode()
    assert "also sets the status «Waiting for customer»" in html
    assert "Dear Ivan Petrov," in html


def test_the_reply_box_refuses_who_may_not_reply_on_the_case(claim, outsider, analyst):
    chosen = CannedAnswer.objects.filter(language="ru").first()
    for user in (outsider, analyst):
        response = login(user).post(f"/desk/cases/{claim.reference}/answer-text/",
                                    {"pick": chosen.pk, "body": ""})
        assert response.status_code == 403
        assert "Иван" not in response.content.decode()


def test_a_withdrawn_answer_cannot_be_inserted(claim, owner):
    chosen = answer(active=False)
    response = login(owner).post(f"/desk/cases/{claim.reference}/answer-text/",
                                 {"pick": chosen.pk, "body": "kept"})
    assert response.status_code == 404


# ---------------------------------------------------------------- sending: counted, status set


def test_each_sent_reply_counts_its_answer_and_sets_the_status_it_names(make_case, owner,
                                                                         frozen):
    case = make_case(queue="first-line", language="en")
    services.transition(case=case, to="assessment", actor=owner)
    docs = CannedAnswer.objects.get(title="Request for documents")
    body = replies.render(docs, case)
    client = login(owner)
    response = client.post(f"/desk/cases/{case.reference}/message/",
                           {"direction": "out", "body": body, "answer": docs.pk})
    assert response.status_code == 302
    docs.refresh_from_db()
    case.refresh_from_db()
    assert docs.uses == 1
    assert case.status == "waiting_customer" and case.clock_paused_since is not None
    assert case.events.filter(type=EventType.TRANSITIONED, after__status="waiting_customer",
                              actor=owner).exists()
    assert Message.objects.get(case=case, direction="out").body == body
    # Already waiting: the reply goes, the count grows, the status stays.
    client.post(f"/desk/cases/{case.reference}/message/",
                {"direction": "out", "body": "Reminder", "answer": docs.pk})
    docs.refresh_from_db()
    assert docs.uses == 2
    assert Case.objects.get(pk=case.pk).status == "waiting_customer"


def test_an_answer_whose_status_the_case_cannot_take_still_sends_the_reply(claim, owner):
    ack = CannedAnswer.objects.get(title="Обращение принято, срок ответа")
    response = login(owner).post(f"/desk/cases/{claim.reference}/message/",
                                 {"direction": "out", "body": "Текст", "answer": ack.pk},
                                 follow=True)
    assert response.status_code == 200
    assert Case.objects.get(pk=claim.pk).status == "decided"
    assert Message.objects.filter(case=claim, direction="out", body="Текст").exists()
    ack.refresh_from_db()
    assert ack.uses == 1
    assert "the status is unchanged" in response.content.decode()


def test_a_reply_that_fails_counts_nothing(make_case, owner, frozen):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = make_case(queue="first-line", language="en")
    docs = CannedAnswer.objects.get(title="Request for documents")
    fake = SimpleUploadedFile("receipt.pdf", b"MZ\x90\x00 this is a program")
    login(owner).post(f"/desk/cases/{case.reference}/message/",
                      {"direction": "out", "body": "Docs please", "answer": docs.pk,
                       "attachments": [fake]})
    docs.refresh_from_db()
    assert docs.uses == 0
    assert not Message.objects.filter(case=case, direction="out").exists()
    assert Case.objects.get(pk=case.pk).status != "waiting_customer"


def test_the_admin_checks_placeholders_the_same_way(db):
    from complaintdesk.accounts.models import User

    root = User.objects.create_superuser("root", "root@example.com", "pw-root")
    client = login(root)
    assert client.get("/admin/replies/cannedanswer/").status_code == 200
    response = client.post("/admin/replies/cannedanswer/add/", {
        "title": "Admin bad", "language": "en", "body": "Hi {nme}", "active": "on"})
    assert response.status_code == 200 and "Unknown placeholders: {nme}" in \
        response.content.decode()
    assert not CannedAnswer.objects.filter(title="Admin bad").exists()
