#!/usr/bin/env python3
"""The tagger's windows through Python transformers, timed as examples/tagger_speed.rs times
them in Rust: same weights, same windows, same batches (padded to the longest, with an
attention mask), softmax over the logits, no gradients.

    source .libtorch/env.sh
    cargo run --release --features bert --example tagger_speed -- DATASET --python /tmp/tagger-py
    .venv/bin/python scripts/tagger-python-speed.py /tmp/tagger-py [--threads N]

Needs `transformers` in the set-up's venv (`bash scripts/setup-libtorch.sh --python-bench`).
"""

import argparse
import json
import sys
import time

FLOP_PER_TOKEN = 24e6  # MiniLM-L6 at 256 tokens, as examples/tagger_speed.rs counts it


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", help="what `tagger_speed --python DIR` wrote")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's choice)")
    args = parser.parse_args()

    import torch
    from safetensors.torch import load_file
    from transformers import BertConfig, BertForTokenClassification

    if args.threads:
        torch.set_num_threads(args.threads)
    with open(f"{args.folder}/windows.json") as f:
        spec = json.load(f)
    # The folder's tensors are named as rust-bert reads them (no `bert.` prefix) and the
    # file carries no `format` metadata, so the state is loaded by hand, strictly.
    model = BertForTokenClassification(BertConfig.from_pretrained(f"{args.folder}/model"))
    state = load_file(f"{args.folder}/model/model.safetensors")
    state = {k if k.startswith("classifier.") else f"bert.{k}": v for k, v in state.items()}
    state = {k: v for k, v in state.items() if not k.startswith("bert.pooler.")}
    state.pop("bert.embeddings.position_ids", None)  # a buffer transformers makes itself
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("position_ids")]
    if missing or unexpected:
        sys.exit(f"weights do not fit the model: missing {missing}, unexpected {unexpected}")
    model.eval()
    windows, batch_size, pad_id = spec["windows"], spec["batch_size"], spec["pad_id"]
    batches = []
    for i in range(0, len(windows), batch_size):
        chunk = windows[i : i + batch_size]
        width = max(len(w) for w in chunk)
        ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for row, window in enumerate(chunk):
            ids[row, : len(window)] = torch.tensor(window)
            mask[row, : len(window)] = 1
        batches.append((ids, mask))
    tokens = sum(len(w) for w in windows)
    padded = sum(ids.numel() for ids, _ in batches)

    with torch.no_grad():
        ids, mask = batches[0]
        model(input_ids=ids, attention_mask=mask).logits.softmax(-1)  # warm-up, not timed
        cpu_before, started = time.process_time(), time.perf_counter()
        for ids, mask in batches:
            model(input_ids=ids, attention_mask=mask).logits.softmax(-1)
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_before

    print(
        f"{spec['dataset']}: {len(windows)} windows, {tokens} tokens ({padded} with padding), "
        f"batches of {batch_size}, {torch.get_num_threads()} torch threads, "
        f"torch {torch.__version__}, transformers {__import__('transformers').__version__}"
    )
    print(
        f"network: {wall:.2f} s wall, {cpu:.2f} CPU-s; {tokens / wall:.0f} tokens/s; "
        f"{tokens * FLOP_PER_TOKEN / wall / 1e9:.1f} GFLOP/s on real tokens "
        f"({padded * FLOP_PER_TOKEN / wall / 1e9:.1f} counting padding), "
        f"{padded * FLOP_PER_TOKEN / cpu / 1e9:.2f} GFLOP per CPU-second"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
