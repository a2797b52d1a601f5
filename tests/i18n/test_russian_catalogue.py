"""Every string a person reads has its Russian: the catalogue covers every marked message, and
the modules that write e-mails, report titles and chart labels mark their prose for translation.

The catalogue check runs Django's makemessages (xgettext) on a scratch copy of the package, never
on the real tree, and fails on any message without Russian or only with a fuzzy guess."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "complaintdesk"
TOOLS = ("xgettext", "msgmerge", "msgattrib")
# Files makemessages reads (Python and templates) and the catalogue it merges into.
SOURCE_SUFFIXES = (".py", ".html", ".txt", ".po")


def _scratch_copy(target: Path) -> Path:
    def ignore(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if n == "__pycache__" or (
            not os.path.isdir(os.path.join(folder, n)) and not n.endswith(SOURCE_SUFFIXES))]

    return Path(shutil.copytree(PACKAGE, target / "complaintdesk", ignore=ignore))


def _entries(po_text: str) -> list[str]:
    """msgids of a msgattrib selection, without the header (msgctxt shown when present)."""
    found = []
    for block in po_text.split("\n\n"):
        lines = [ln for ln in block.splitlines() if not ln.startswith("#")]
        text = "\n".join(lines)
        m = re.search(r'^msgid ((?:".*"\n?)+)', text, flags=re.M)
        if m is None:
            continue
        msgid = "".join(re.findall(r'"(.*)"', m.group(1)))
        if msgid:
            ctx = re.search(r'^msgctxt "(.*)"', text, flags=re.M)
            found.append(f"[{ctx.group(1)}] {msgid}" if ctx else msgid)
    return found


@pytest.fixture(scope="module")
def merged_catalogue(tmp_path_factory) -> Path:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"GNU gettext tools missing ({', '.join(missing)}): run scripts/ensure-gettext")
    package = _scratch_copy(tmp_path_factory.mktemp("catalogue"))
    # Without settings makemessages writes only into the scratch copy's own locale folder.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run([sys.executable, "-m", "django", "makemessages", "--locale", "ru",
                    "--no-obsolete", "--verbosity", "0"], cwd=package, env=env, check=True,
                   capture_output=True, text=True)
    return package / "locale" / "ru" / "LC_MESSAGES" / "django.po"


def _select(catalogue: Path, flag: str) -> list[str]:
    out = subprocess.run(["msgattrib", flag, "--no-wrap", str(catalogue)], check=True,
                         capture_output=True, text=True).stdout
    return _entries(out)


def test_every_marked_message_has_its_russian(merged_catalogue):
    untranslated = _select(merged_catalogue, "--untranslated")
    assert untranslated == [], (
        "Messages without Russian; append them at the end of "
        "complaintdesk/locale/ru/LC_MESSAGES/django.po:\n" + "\n".join(untranslated))


def test_no_new_message_lives_on_a_fuzzy_guess(merged_catalogue):
    # msgmerge fills a new message from a similar old one and marks it fuzzy; Django ignores
    # fuzzy entries, so the page would show English.
    fuzzy = _select(merged_catalogue, "--only-fuzzy")
    assert fuzzy == [], "Messages with only a fuzzy guess:\n" + "\n".join(fuzzy)


def test_the_real_catalogue_is_left_untouched_by_the_check(merged_catalogue):
    real = PACKAGE / "locale" / "ru" / "LC_MESSAGES" / "django.po"
    assert merged_catalogue.resolve() != real.resolve()
    assert "POT-Creation-Date" in merged_catalogue.read_text(encoding="utf-8")


# ---------------------------------------------------------------- prose in Python goes through gettext

# Modules that write what people read: e-mails and SMS, report and chart titles, the simulator
# page, the IVR wait message, case history labels.
TEXT_MODULES = [
    "insights/jobs.py", "insights/charts.py", "insights/reports.py", "insights/views.py",
    "claims/report.py", "claims/notifications.py", "claims/views.py",
    "cases/notifications.py", "staffing/views.py", "staffing/services.py",
    "desk/templatetags/desk.py", "insights/services.py",
]
REPEAT_COLUMN = re.compile(r"repeat contacts \(\d+ d\)")
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext",
           "pgettext_lazy", "gettext_noop", "npgettext", "npgettext_lazy"}
# Two English words in a row (placeholders removed) is prose; codes, paths, formats are not.
PROSE = re.compile(r"[A-Za-z]{2,}[,;:.!?']?\s+[A-Za-z]{2,}")
SQL = re.compile(r"^\s*(SET|SELECT|WITH|UPDATE|INSERT|DELETE|AND)\b")
MARKUP = re.compile(r"<style>.*?</style>|<[^>]*>", flags=re.S)
# Calls whose string arguments are not read by people: logs, SQL, patterns, HTTP headers.
NOT_TEXT_CALLS = {"debug", "info", "warning", "error", "exception", "critical", "execute",
                  "compile", "sub", "fullmatch", "match", "search"}


def _literal_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _exempt(node: ast.AST, parents: dict[ast.AST, ast.AST], column_keys: set[str]) -> bool:
    parent = parents.get(node)
    if isinstance(parent, ast.Expr):  # a docstring or a bare string
        return True
    child = node
    while parent is not None:
        if isinstance(parent, ast.Call):
            name = _call_name(parent)
            if name in GETTEXT:
                return True
            # Logs are for operators; exception texts are checked by their own tests.
            if name in NOT_TEXT_CALLS:
                return True
        if isinstance(parent, ast.Raise):
            return True
        if isinstance(parent, ast.keyword) and parent.arg == "content_type":
            return True
        if isinstance(parent, ast.Assign) and any(
                isinstance(t, ast.Subscript) or (isinstance(t, ast.Name) and t.id == "template")
                for t in parent.targets):
            return True  # an HTTP header, or a database function's SQL template
        if isinstance(parent, ast.Compare) or (isinstance(parent, ast.Subscript)
                                               and child is parent.slice):
            return True  # compared or looked up: a code, not text
        if isinstance(parent, ast.Dict) and child in parent.keys:
            return True
        child, parent = parent, parents.get(parent)
    # Dashboard column keys and placeholder cells: labelled in reports.COLUMN_LABELS/CELL_LABELS.
    text = (_literal_text(node) or "").replace("{}", "1")
    return text in column_keys or REPEAT_COLUMN.fullmatch(text) is not None


def _untranslated_prose(path: Path, column_keys: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(parents.get(node), ast.JoinedStr):
            continue  # judged as part of its f-string
        text = _literal_text(node)
        if text is None or SQL.match(text) or not PROSE.search(MARKUP.sub(" ", text).replace("{}", " ")):
            continue
        if not _exempt(node, parents, column_keys):
            hits.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {text[:70]!r}")
    return hits


def test_user_facing_prose_in_python_goes_through_gettext():
    from complaintdesk.insights.reports import CELL_LABELS, COLUMN_LABELS

    keys = set(COLUMN_LABELS) | set(CELL_LABELS)
    hits = [hit for module in TEXT_MODULES for hit in _untranslated_prose(PACKAGE / module, keys)]
    assert hits == [], "English prose outside gettext:\n" + "\n".join(hits)


def test_the_prose_check_catches_an_untranslated_email_body(tmp_path):
    # The check itself must fail on what it is meant to catch, and pass the translated form.
    bad = tmp_path / "bad.py"
    bad.write_text('def body(ref):\n    return f"Your request {ref} is closed."\n', encoding="utf-8")
    good = tmp_path / "good.py"
    good.write_text('from django.utils.translation import gettext as _\n\n'
                    'def body(ref):\n    return _("Your request %(ref)s is closed.") % {"ref": ref}\n',
                    encoding="utf-8")
    package = PACKAGE
    try:
        globals()["PACKAGE"] = tmp_path
        assert len(_untranslated_prose(bad, set())) == 1
        assert _untranslated_prose(good, set()) == []
    finally:
        globals()["PACKAGE"] = package
