#!/usr/bin/env python3
"""attr-eval adapter for textacy's rule-based `direct_quotations` (spaCy pipeline).

Lets attr-eval score textacy next to its own models, in one command:

    pip install textacy spacy
    python -m spacy download en_core_web_sm
    attr-eval run --dataset seed --model rules \
        --model 'textacy=cmd:python3 examples/textacy_adapter.py --spacy-model en_core_web_sm'

It speaks the JSONL protocol of attr-eval (docs/models.md): one request per stdin line,
{"id": ..., "text": ...}; one answer per stdout line, {"id": ..., "attributions": [...]},
flushed after each. Nothing else may go to stdout: spaCy's and textacy's warnings go to
stderr, which attr-eval quotes when something fails.

How textacy's output becomes attribution rows:

- `content` is a spaCy Span that includes the quotation marks; the row's quote is the
  text inside them, and `start`/`end` are the span's character offsets
  (`Span.start_char`/`end_char`: indices into the Python str, that is code points, as
  docs/datasets.md#offsets wants) moved inward past the marks.
- `speaker` is a list of tokens (the subject of the cue verb, expanded to its noun
  phrase). It becomes `speaker_mention` with `speaker_start`/`speaker_end` (first
  token's start to last token's end) and is also the row's `speaker`: textacy resolves
  no pronoun, so "he" is reported as "he", and attr-eval's `name` matching counts it
  wrong against a named gold speaker, a fair account of what textacy does.
- `cue` is the text of the cue tokens; every row is `type: direct`, since
  `direct_quotations` finds only quotes inside quotation marks.
- An exception of spaCy or textacy on one article is caught and answered with the
  error extension, {"id": ..., "error": "TypeError: ..."}, with the traceback on
  stderr, so that the article is recorded as failed and the others go on.

Articles are processed one at a time (`nlp(text)`), not with `nlp.pipe`: attr-eval keeps
a bounded number of articles in flight per process, so a program that waits for a large
batch before answering would stall until the timeout.
"""

import argparse
import json
import sys
import traceback

QUOTE_MARKS = "\"'“”‘’«»„‚‹›「」『』`"


def tokens_span(tokens):
    """Character offsets (code points) of a list of tokens, first start to last end."""
    first = min(tokens, key=lambda t: t.i)
    last = max(tokens, key=lambda t: t.i)
    return first.idx, last.idx + len(last.text)


def rows_of(doc, direct_quotations):
    text = doc.text
    rows = []
    for triple in direct_quotations(doc):
        start, end = triple.content.start_char, triple.content.end_char
        while start < end and text[start] in QUOTE_MARKS:
            start += 1
        while end > start and text[end - 1] in QUOTE_MARKS:
            end -= 1
        if start >= end:
            continue
        row = {"quote": text[start:end], "start": start, "end": end, "type": "direct",
               "speaker": ""}
        if triple.speaker:
            s_start, s_end = tokens_span(triple.speaker)
            mention = text[s_start:s_end]
            row.update(speaker_mention=mention, speaker_start=s_start, speaker_end=s_end,
                       speaker=mention)
        if triple.cue:
            c_start, c_end = tokens_span(triple.cue)
            row["cue"] = text[c_start:c_end]
        rows.append(row)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spacy-model", default="en_core_web_sm",
                        help="spaCy pipeline to load [default: en_core_web_sm]")
    args = parser.parse_args()

    # Imports and the model load happen before the first request is read: a missing
    # package fails the first article with this traceback in attr-eval's message.
    import spacy
    from textacy.extract.triples import direct_quotations

    nlp = spacy.load(args.spacy_model)
    print(f"textacy_adapter: loaded {args.spacy_model} (spaCy {spacy.__version__})",
          file=sys.stderr, flush=True)

    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        article_id = request["id"]
        try:
            answer = {"id": article_id,
                      "attributions": rows_of(nlp(request["text"]), direct_quotations)}
        except Exception as error:  # one bad article must not stop the others
            traceback.print_exc(file=sys.stderr)
            answer = {"id": article_id, "error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
