"""Optional AI assistant for 5 Whys: an OpenAI-compatible chat-completions adapter (urllib only).

Off unless both INSIGHTS_LLM_URL and INSIGHTS_LLM_MODEL are set (Django settings, else the
environment); INSIGHTS_LLM_KEY is sent as a bearer token when set. It proposes a chain of whys
for a theme, with the organisation's own past RootCause chains as few-shot examples (without
them an LLM produces plausible generic causes). The proposal is a draft shown in the edit form:
nothing is saved until the analyst saves it.

What leaves the system: the theme's label, key phrases and size, and the titles, problems and
whys of past analyses — never case texts or customer data.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings

from complaintdesk.insights.models import RootCause, Theme

MAX_EXAMPLES = 5
TIMEOUT = 60

SYSTEM_PROMPT = (
    "You help a complaints-quality analyst run a 5 Whys root-cause analysis. Given a theme of "
    "customer complaints (label, key phrases, size), propose a chain of 3 to 5 whys: each step "
    "asks why the previous answer happens, going from the symptom customers see to a cause inside "
    "the organisation that an action can remove. Follow the style and depth of the organisation's "
    "own past analyses. Reply with JSON only: "
    '{"problem": "<the problem as customers describe it>", "whys": ["<why 1>", "<why 2>", ...]}'
)


class AssistantError(Exception):
    """The assistant is not configured or its endpoint failed; the message is for the analyst."""


def _conf(name: str) -> str:
    value = getattr(settings, name, None)
    if value in (None, ""):
        value = os.environ.get(name, "")
    return str(value or "").strip()


def is_configured() -> bool:
    return bool(_conf("INSIGHTS_LLM_URL") and _conf("INSIGHTS_LLM_MODEL"))


def endpoint() -> str:
    url = _conf("INSIGHTS_LLM_URL").rstrip("/")
    return url if url.endswith("/chat/completions") else f"{url}/chat/completions"


@dataclass
class Proposal:
    problem: str
    whys: list[str]
    examples_used: int


def theme_prompt(label: str, key_phrases: list[str], size: int | None = None) -> str:
    lines = [f"Theme: {label}", f"Key phrases: {', '.join(key_phrases)}"]
    if size:
        lines.append(f"Cases in the period: {size}")
    return "\n".join(lines)


def few_shot_examples(limit: int = MAX_EXAMPLES, exclude: int | None = None) -> list[RootCause]:
    """The organisation's latest analyses that have a chain of at least two whys."""
    out = []
    qs = RootCause.objects.select_related("theme", "topic").order_by("-created_at", "-id")
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    for rc in qs[:200]:
        if isinstance(rc.whys, list) and len([w for w in rc.whys if str(w).strip()]) >= 2:
            out.append(rc)
            if len(out) >= limit:
                break
    return out


def build_messages(label: str, key_phrases: list[str], size: int | None,
                   examples: list[RootCause]) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": SYSTEM_PROMPT}]
    for rc in reversed(examples):  # oldest first, the latest closest to the question
        if rc.theme is not None:
            prompt = theme_prompt(rc.theme.label, list(rc.theme.key_phrases or []), rc.theme.size)
        else:
            prompt = theme_prompt(rc.title, [rc.topic.name] if rc.topic else [])
        messages.append({"role": "user", "content": prompt})
        messages.append({"role": "assistant", "content": json.dumps(
            {"problem": rc.problem or rc.title, "whys": [str(w) for w in rc.whys]},
            ensure_ascii=False)})
    messages.append({"role": "user", "content": theme_prompt(label, key_phrases, size)})
    return messages


def parse_answer(content: str) -> tuple[str, list[str]]:
    """JSON {"problem", "whys"} (possibly inside a ``` fence), else numbered lines."""
    text = content.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.S)
    if fenced:
        text = fenced.group(1).strip()
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        try:
            data = json.loads(text[start:end + 1])
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("whys"), list):
            whys = [str(w).strip() for w in data["whys"] if str(w).strip()]
            if whys:
                return str(data.get("problem") or "").strip(), whys
    whys = [re.sub(r"^\s*(?:\d+[.)]|[-*•]|why\s*\d*[:.)]?)\s*", "", line, flags=re.I).strip()
            for line in content.splitlines()]
    whys = [w for w in whys if w and not w.startswith(("{", "}", "```"))]
    if not whys:
        raise AssistantError("The assistant answered, but no chain of whys could be read from it.")
    return "", whys


def complete(messages: list[dict[str, str]], *, timeout: float = TIMEOUT) -> str:
    """POST to the chat-completions endpoint; the first choice's message content."""
    if not is_configured():
        raise AssistantError("The AI assistant is not configured (INSIGHTS_LLM_URL, INSIGHTS_LLM_MODEL).")
    payload = {"model": _conf("INSIGHTS_LLM_MODEL"), "messages": messages, "temperature": 0.2}
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if _conf("INSIGHTS_LLM_KEY"):
        headers["Authorization"] = f"Bearer {_conf('INSIGHTS_LLM_KEY')}"
    request = urllib.request.Request(endpoint(), data=json.dumps(payload).encode(), headers=headers,
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
            raw = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode(errors="replace")
        raise AssistantError(f"The assistant endpoint answered HTTP {exc.code}: {detail}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise AssistantError(f"The assistant endpoint could not be reached: {reason}") from None
    try:
        data = json.loads(raw)
        return str(data["choices"][0]["message"]["content"])
    except (ValueError, KeyError, IndexError, TypeError):
        raise AssistantError("The assistant endpoint's answer is not a chat completion.") from None


def propose_chain(theme: Theme, *, exclude: int | None = None) -> Proposal:
    examples = few_shot_examples(exclude=exclude)
    messages = build_messages(theme.label, list(theme.key_phrases or []), theme.size, examples)
    problem, whys = parse_answer(complete(messages))
    return Proposal(problem=problem, whys=whys, examples_used=len(examples))
