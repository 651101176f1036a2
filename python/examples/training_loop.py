"""`attr_eval.score` as the dev metric of a training loop.

    python python/examples/training_loop.py [DATASET]

Scoring runs in the extension, in milliseconds (docs/python.md#speed), so the dev set
can be scored after every epoch, or every few hundred steps, with the very figures
`attr-eval run` will report later: no second implementation of the metric to drift.
The "model" trained here is a stand-in with one parameter (how far before a quote to
look for its speaker) so the file runs anywhere; the loop around it is the point.
"""

import re
import sys
import time
from pathlib import Path

import attr_eval

QUOTED = re.compile(r"[\u201c\"]([^\u201d\"]{3,}?)[\u201d\"]")
NAME = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)*")


class StandIn:
    """Where a real model (torch, a spaCy pipeline) would be: `fit_epoch` and `predict`."""

    def __init__(self):
        self.window = 10

    def fit_epoch(self, epoch):
        # A real model would take gradient steps here.
        self.window = 10 + 40 * epoch

    def predict(self, article):
        text = article["text"]
        for match in QUOTED.finditer(text):
            before = text[max(0, match.start() - self.window):match.start()]
            names = NAME.findall(before)
            yield {
                "article_id": article["id"],
                "quote": match.group(1),
                "start": match.start(1),
                "end": match.end(1),
                "type": "direct",
                "speaker": names[-1] if names else "",
            }


def main():
    root = Path(__file__).resolve().parents[2]
    dev = attr_eval.load_dataset(sys.argv[1] if len(sys.argv) > 1
                                 else root / "datasets" / "seed")
    # Read the texts once; `articles()` reads them from disk on each call.
    articles = dev.articles()
    model = StandIn()
    best, best_epoch, patience = -1.0, None, 2
    for epoch in range(8):
        model.fit_epoch(epoch)
        rows = [row for article in articles for row in model.predict(article)]
        started = time.perf_counter()
        # No bootstrap inside the loop: the interval is for the final report.
        scores = attr_eval.score(dev, rows, resamples=0)["scores"]
        took_ms = (time.perf_counter() - started) * 1000
        f1 = scores["overlap"]["pair"]["f1"] or 0.0
        print(f"epoch {epoch}: window {model.window:3}  dev pair F1 (overlap) {f1:.3f}"
              f"  (scored in {took_ms:.1f} ms)")
        if f1 > best:
            best, best_epoch = f1, epoch
        elif epoch - best_epoch >= patience:
            print(f"no gain for {patience} epochs: stop")
            break
    print(f"best: epoch {best_epoch}, dev pair F1 {best:.3f}")


if __name__ == "__main__":
    main()
