"""Scoring a spaCy or Hugging Face model's predictions from Python.

    python python/examples/score_model.py [DATASET]

A model only has to give, per article, rows keyed by the CSV schema's columns
(docs/datasets.md#the-attribution-csv): `article_id`, `speaker`, `quote`, and where it
knows them `start`/`end` (code-point offsets: Python's own string indices), `type`,
`speaker_mention`, `speaker_start`/`speaker_end`, `confidence`. `attr_eval.score` then
checks the rows as it checks a CSV and returns the figures `attr-eval score --json`
prints. Neither spaCy nor transformers is needed to run this file: without them it
scores a stand-in model of a few lines, through the same call.
"""

import re
import sys
from pathlib import Path

import attr_eval


def spacy_rows(nlp, article):
    """A spaCy pipeline whose component puts quotes in `doc.spans["quotes"]`, each
    span's `label_` its type and the speaker's span in an extension attribute."""
    doc = nlp(article["text"])
    for span in doc.spans["quotes"]:
        speaker = span._.speaker  # a Span, or None
        yield {
            "article_id": article["id"],
            "quote": span.text,
            "start": span.start_char,
            "end": span.end_char,
            "type": span.label_.lower(),
            "speaker": speaker.text if speaker is not None else "",
            "speaker_mention": speaker.text if speaker is not None else None,
            "speaker_start": speaker.start_char if speaker is not None else None,
            "speaker_end": speaker.end_char if speaker is not None else None,
        }


def hf_rows(pipe, link, article):
    """A transformers token-classification pipeline tagging QUOTE and SPEAKER spans
    (`pipeline("token-classification", model=..., aggregation_strategy="simple")`),
    and `link(quote, speakers)` choosing each quote's speaker. Its `start`/`end` are
    character offsets into the text, which is what the schema counts."""
    spans = pipe(article["text"])
    speakers = [s for s in spans if s["entity_group"] == "SPEAKER"]
    for quote in (s for s in spans if s["entity_group"] == "QUOTE"):
        speaker = link(quote, speakers)
        yield {
            "article_id": article["id"],
            "quote": article["text"][quote["start"]:quote["end"]],
            "start": quote["start"],
            "end": quote["end"],
            "speaker": speaker["word"] if speaker else "",
            "confidence": float(quote["score"]),
        }


QUOTED = re.compile(r"[\u201c\"]([^\u201d\"]{3,}?)[\u201d\"]")
NAME = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)*")


def stand_in_rows(article):
    """The stand-in: every quoted passage, said by the nearest capitalised words
    before it (just enough to give the scorer something to score)."""
    text = article["text"]
    for match in QUOTED.finditer(text):
        names = NAME.findall(text[max(0, match.start() - 200):match.start()])
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
    dataset = attr_eval.load_dataset(sys.argv[1] if len(sys.argv) > 1
                                     else root / "datasets" / "seed")
    try:
        import spacy

        nlp = spacy.load("my_quote_model")  # your pipeline

        def predict(article):
            return spacy_rows(nlp, article)
    except (ImportError, OSError):
        predict = stand_in_rows

    rows = [row for article in dataset.articles() for row in predict(article)]
    name = "stand-in" if predict is stand_in_rows else "spacy"
    result = attr_eval.score(dataset, rows, model=name)
    for scheme in ("exact", "overlap", "lenient"):
        pair = result["scores"][scheme]["pair"]
        print(f"{scheme:8} pair P {pair['p']:.3f}  R {pair['r']:.3f}  F1 {pair['f1']:.3f}"
              f"  95% CI {pair['f1_ci95']}")

    # The errors, one row per outcome (`pandas.DataFrame(errors)` in a notebook).
    errors = [o for o in attr_eval.outcomes(dataset, rows) if o["kind"] != "COR"]
    for o in errors[:5]:
        print(o["kind"], repr(o["gold_quote"] or o["pred_quote"])[:60],
              o["gold_speaker"], "->", o["pred_speaker"])


if __name__ == "__main__":
    main()
