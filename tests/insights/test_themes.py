"""Theme discovery on small synthetic corpora in English and Russian."""

import random

import pandas as pd
from sklearn.metrics import adjusted_mutual_info_score

from complaintdesk.insights.themes import choose_k, detect_language, find_themes, theme_labels

EN = {
    "atm": ["the atm swallowed my cash", "atm took my money and did not credit the account",
            "cash machine kept the card and the cash", "atm withdrawal failed but money debited"],
    "courier": ["courier was two hours late", "delivery came late and the courier was rude",
                "the courier lost my parcel", "late delivery again courier did not call"],
    "app": ["mobile app crashes on login", "the app will not open after update",
            "cannot log in to the mobile app", "app freezes when I pay a bill"],
}
RU = {
    "банкомат": ["банкомат съел деньги и не зачислил", "банкомат не выдал наличные деньги",
                 "банкомат забрал карту и деньги", "деньги не зачислены после банкомата"],
    "очередь": ["очередь в отделении час", "долго ждал в очереди в отделении",
                "в отделении огромная очередь и один кассир", "очередь в кассу отделения"],
    "приложение": ["мобильное приложение не открывается", "приложение вылетает при входе",
                   "не могу войти в мобильное приложение", "приложение зависает при оплате"],
}


def corpus(topics, copies, start="2024-03-01", seed=0):
    rnd = random.Random(seed)
    items, truth = [], []
    for topic, texts in topics.items():
        for c in range(copies):
            text = rnd.choice(texts) + " " + rnd.choice(texts)
            when = pd.Timestamp(start) + pd.Timedelta(days=rnd.randrange(28))
            items.append((f"{topic}-{c}", text, when))
            truth.append(topic)
    return items, truth


def test_english_topics_are_recovered_with_key_phrases():
    items, truth = corpus(EN, 20)
    themes = find_themes(items, k=3)
    pred = theme_labels(themes, [i[0] for i in items])
    assert adjusted_mutual_info_score(truth, pred) > 0.8
    phrases = " ".join(p for t in themes for p in t.key_phrases)
    assert "atm" in phrases and "courier" in phrases and "app" in phrases


def test_russian_topics_are_recovered_and_language_detected():
    items, truth = corpus(RU, 20)
    assert detect_language([t for _, t, _ in items]) == "ru"
    themes = find_themes(items, k=3)
    pred = theme_labels(themes, [i[0] for i in items])
    assert adjusted_mutual_info_score(truth, pred) > 0.8
    assert all(t.label and t.label != "(no distinctive words)" for t in themes)


def test_themes_report_size_examples_and_trend():
    items, _ = corpus(EN, 20)
    themes = find_themes(items, k=3, n_examples=4)
    assert sum(t.size for t in themes) == len(items)
    assert [t.id for t in themes] == [0, 1, 2] and themes[0].size >= themes[-1].size
    for t in themes:
        assert len(t.case_ids) == 4 and set(t.case_ids) <= set(t.member_ids)
        assert sum(n for _, n in t.trend) == t.size
        assert t.trend[0][0] == "2024-03-01"  # daily buckets for a four-week period


def test_new_and_growing_themes_are_highlighted_against_previous_period():
    before, _ = corpus({"atm": EN["atm"], "courier": EN["courier"]}, 15, start="2024-02-01")
    previous = find_themes(before, k=2)
    now_topics = {"atm": EN["atm"], "app": EN["app"]}
    now, _ = corpus(now_topics, 15, start="2024-03-01", seed=1)
    now += [(f"atm-extra-{i}", EN["atm"][i % 4] + " again", pd.Timestamp("2024-03-05"))
            for i in range(20)]
    themes = find_themes(now, k=2, previous=previous)
    by_topic = {("atm" if any("atm" in p for p in t.key_phrases) else "app"): t for t in themes}
    assert by_topic["app"].is_new and by_topic["app"].highlighted
    assert not by_topic["atm"].is_new
    assert by_topic["atm"].growth is not None and by_topic["atm"].growth >= 1.5
    assert by_topic["atm"].highlighted


def test_same_themes_next_period_are_not_new():
    a, _ = corpus(EN, 15, seed=2)
    b, _ = corpus(EN, 15, seed=3)
    themes = find_themes(b, k=3, previous=find_themes(a, k=3))
    assert not any(t.is_new for t in themes)


def test_empty_and_blank_inputs_give_no_themes():
    assert find_themes([]) == []
    assert find_themes([("1", "   ", None), ("2", "12345", None)]) == []


def test_tiny_input_gives_one_theme_without_timestamps():
    themes = find_themes([("1", "atm took my cash", None), ("2", "courier late", None)])
    assert len(themes) == 1 and themes[0].size == 2 and themes[0].trend == []


def test_k_heuristic_grows_with_volume_and_is_clamped():
    assert choose_k(10) == 2 and choose_k(2800) == 13 and choose_k(100000) == 15


def test_as_dict_is_json_friendly():
    items, _ = corpus(RU, 10)
    d = find_themes(items, k=3)[0].as_dict(with_members=True)
    assert set(d) >= {"label", "key_phrases", "size", "case_ids", "trend", "is_new", "growth"}
    assert all(isinstance(c, str) for c in d["member_ids"])
