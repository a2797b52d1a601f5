"""The optional 5-Whys assistant against a local server speaking the chat-completions protocol."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from complaintdesk.insights import assistant
from complaintdesk.insights.models import RootCause, Theme, ThemeRun
from tests.insights.conftest import NOW

pytestmark = pytest.mark.django_db


class FakeLLM:
    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        self.content = json.dumps({"problem": "Parcels arrive late",
                                   "whys": ["Couriers miss slots", "Routes are planned the day before",
                                            "Dispatch cannot see courier load"]})


@pytest.fixture
def llm(settings):
    fake = FakeLLM()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            fake.requests.append({"path": self.path, "headers": dict(self.headers),
                                  "body": json.loads(raw)})
            if fake.status != 200:
                data = json.dumps({"error": {"message": "model overloaded"}}).encode()
            else:
                data = json.dumps({"id": "x", "object": "chat.completion", "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": fake.content},
                     "finish_reason": "stop"}]}).encode()
            self.send_response(fake.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.INSIGHTS_LLM_URL = f"http://127.0.0.1:{server.server_address[1]}/v1"
    settings.INSIGHTS_LLM_MODEL = "local-model"
    settings.INSIGHTS_LLM_KEY = "sk-test"
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def theme(queues):
    run = ThemeRun.objects.create(period_start=NOW - timedelta(days=30), period_end=NOW)
    return Theme.objects.create(run=run, position=0, label="courier / late / delivery",
                                key_phrases=["courier late", "delivery slot", "missed window"],
                                size=42)


@pytest.fixture
def past_chain(queues):
    run = ThemeRun.objects.create(period_start=NOW - timedelta(days=90), period_end=NOW)
    old = Theme.objects.create(run=run, position=0, label="card / blocked",
                               key_phrases=["card blocked", "fraud check"], size=30)
    return RootCause.objects.create(title="Blocked cards", theme=old, problem="Cards get blocked",
                                    whys=["The fraud rule fires", "The threshold is global",
                                          "Nobody owns the rule set"])


def test_the_request_carries_the_organisations_chains_and_the_themes_key_phrases(llm, theme, past_chain):
    proposal = assistant.propose_chain(theme)
    assert proposal.whys == ["Couriers miss slots", "Routes are planned the day before",
                             "Dispatch cannot see courier load"]
    assert proposal.problem == "Parcels arrive late" and proposal.examples_used == 1
    (req,) = llm.requests
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["Authorization"] == "Bearer sk-test"
    body = req["body"]
    assert body["model"] == "local-model"
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    shot = json.loads(body["messages"][2]["content"])
    assert shot["whys"] == past_chain.whys  # the few-shot example is the organisation's own chain
    assert "card blocked" in body["messages"][1]["content"]
    last = body["messages"][-1]["content"]
    for phrase in theme.key_phrases:
        assert phrase in last


def test_a_server_error_gives_a_clear_message(llm, theme):
    llm.status = 500
    with pytest.raises(assistant.AssistantError, match="HTTP 500.*model overloaded"):
        assistant.propose_chain(theme)


def test_an_unreachable_endpoint_and_an_unconfigured_assistant_say_so(settings, theme):
    settings.INSIGHTS_LLM_URL = ""
    settings.INSIGHTS_LLM_MODEL = ""
    assert not assistant.is_configured()
    with pytest.raises(assistant.AssistantError, match="not configured"):
        assistant.propose_chain(theme)
    settings.INSIGHTS_LLM_URL = "http://127.0.0.1:9/v1"
    settings.INSIGHTS_LLM_MODEL = "m"
    with pytest.raises(assistant.AssistantError, match="could not be reached"):
        assistant.propose_chain(theme)


def test_numbered_lines_and_fenced_json_are_read_too():
    assert assistant.parse_answer("1. A\n2. B\n3) C")[1] == ["A", "B", "C"]
    assert assistant.parse_answer('```json\n{"whys": ["x", "y"]}\n```') == ("", ["x", "y"])


def test_the_button_shows_only_when_configured_and_the_proposal_is_a_draft(
        llm, theme, past_chain, admin_user, settings):
    from django.test import Client

    rc = RootCause.objects.create(title="Late parcels", theme=theme, whys=[])
    client = Client()
    client.force_login(admin_user)
    page = client.get(f"/desk/insights/rootcauses/{rc.pk}/").content.decode()
    assert "Propose a chain" in page
    draft = client.post(f"/desk/insights/rootcauses/{rc.pk}/propose/").content.decode()
    assert "Dispatch cannot see courier load" in draft and "nothing is saved yet" in draft
    assert f'action="/desk/insights/rootcauses/{rc.pk}/edit/"' in draft
    rc.refresh_from_db()
    assert rc.whys == []  # never saved automatically
    llm.status = 503
    resp = client.post(f"/desk/insights/rootcauses/{rc.pk}/propose/", follow=True)
    assert "HTTP 503" in resp.content.decode()
    settings.INSIGHTS_LLM_URL = ""
    assert "Propose a chain" not in client.get(f"/desk/insights/rootcauses/{rc.pk}/").content.decode()
    assert client.post(f"/desk/insights/rootcauses/{rc.pk}/propose/").status_code == 404
