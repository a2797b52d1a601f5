"""Refusals (illegal moves, bad input, missing rights) reach people in their own language."""

import ast
import gettext
import html
from pathlib import Path

import pytest
from django.utils import translation

from complaintdesk.accounts.permissions import CAPABILITIES, CAPABILITY_NAMES
from complaintdesk.cases.importer import import_file, load_mapping
from complaintdesk.cases.models import Case
from tests.cases.test_import import GOOD, _cfpb_csv

pytestmark = pytest.mark.django_db

PACKAGE = Path(__file__).resolve().parents[2] / "complaintdesk"
MO = PACKAGE / "locale" / "ru" / "LC_MESSAGES" / "django.mo"

RUSSIAN_REFUSAL = ("Обращение нельзя перевести из статуса «Получено» в «Закрыто». "
                   "Допустимые переходы из «Получено»: Подтверждено, Оценка.")
ENGLISH_REFUSAL = ("A case cannot move from 'Received' to 'Closed'. "
                   "Allowed from 'Received': Acknowledged, Assessment.")


@pytest.mark.parametrize(("language", "expected", "foreign"), [
    ("ru", RUSSIAN_REFUSAL, "cannot move"),
    ("en", ENGLISH_REFUSAL, "Обращение нельзя"),
], ids=["russian", "english"])
def test_illegal_move_on_the_desk_is_explained_in_the_operators_language(
        client, owner, make_case, language, expected, foreign):
    case = make_case()  # received: only acknowledged or assessment may follow
    client.force_login(owner)
    client.post("/i18n/setlang/", {"language": language, "next": "/desk/"})
    response = client.post(f"/desk/cases/{case.reference}/transition/", {"to": "closed"},
                           follow=True)
    body = html.unescape(response.content.decode())
    assert expected in body and foreign not in body
    assert Case.objects.get(pk=case.pk).status == "received"


def test_api_problem_detail_follows_accept_language_and_allowed_keeps_the_codes(
        api_as, owner, make_case):
    case = make_case()
    api = api_as(owner)
    answers = {
        language: api.post(f"/cases/{case.reference}/transitions", {"to": "closed"},
                           **{"Accept-Language": language})
        for language in ("ru", "en")
    }
    for response in answers.values():
        assert response.status_code == 409
        assert response["Content-Type"] == "application/problem+json"
    russian, english = answers["ru"].json(), answers["en"].json()
    assert russian["detail"] == RUSSIAN_REFUSAL and english["detail"] == ENGLISH_REFUSAL
    assert russian["allowed"] == english["allowed"] == ["acknowledged", "assessment"]


def test_api_refusal_for_a_missing_right_names_the_role_and_the_action_in_russian(
        api_as, teammate, make_case):
    case = make_case()
    response = api_as(teammate).post(f"/cases/{case.reference}/decision", {"outcome": "rejected"},
                                     **{"Accept-Language": "ru"})
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Ваша роль «Оператор (1-я линия)» не позволяет принимать решения по обращениям.")


def test_import_reports_each_bad_rows_error_in_the_active_language(queues, tmp_path):
    path = _cfpb_csv(
        tmp_path,
        GOOD,
        GOOD.replace("2020/3/18,", "18 March,", 1).replace(",111", ",112"),  # the importer's
        GOOD.replace(",111", "," + "9" * 300),  # the register's: ids longer than the columns
    )
    with translation.override("ru"):
        report = import_file(path, mapping=load_mapping("cfpb"))
    assert report.created == 1
    (date_row, date_error), (id_row, id_error) = report.errors
    assert date_row == 3 and date_error.startswith("Date received: «18 March» — не дата")
    assert id_row == 4 and "идентификатор в источнике: допускается не более" in id_error


def test_every_capability_has_a_name_for_the_refusal():
    assert set().union(*CAPABILITIES.values()) <= set(CAPABILITY_NAMES)


# Refusals whose text reaches people: the API's problem details, desk messages, bulk results.
REFUSALS = {"DomainError", "InvalidInput", "NotFound", "ServiceBusy", "PermissionDenied"}
GETTEXT = {"_", "gettext", "gettext_lazy"}


def _refusal_messages() -> list[tuple[str, ast.expr]]:
    """(where, first argument) of every refusal built in the package, subclasses included."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8"))
             for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts}
    refusals = set(REFUSALS)
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                    isinstance(b, ast.Name) and b.id in REFUSALS for b in node.bases):
                refusals.add(node.name)
    found = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Name)
                    and node.func.id in refusals):
                where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
                found.append((where, node.args[0]))
    return found


def test_every_refusal_message_in_the_code_is_translated_to_russian():
    with open(MO, "rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    messages = _refusal_messages()
    assert len(messages) > 40
    for where, message in messages:
        if isinstance(message, ast.BinOp) and isinstance(message.op, ast.Mod):
            message = message.left  # _("… %(name)s …") % {...}
        assert not isinstance(message, ast.Constant | ast.JoinedStr), f"{where}: not translatable"
        if (isinstance(message, ast.Call) and isinstance(message.func, ast.Name)
                and message.func.id in GETTEXT):
            msgid = message.args[0]
            assert isinstance(msgid, ast.Constant), f"{where}: msgid must be a literal"
            assert catalog.gettext(msgid.value) != msgid.value, f"{where}: not in django.po"
