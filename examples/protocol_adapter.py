#!/usr/bin/env python3
"""A small attr-eval model speaking the JSONL protocol (docs/models.md#jsonl-protocol), standard library only.

Run it as a model:

    attr-eval run --dataset seed --model 'cmd:python3 examples/protocol_adapter.py'

It reads one request per line on stdin, {"id": "...", "text": "..."}, and writes one
answer per line on stdout, {"id": "...", "attributions": [...]}, flushing after each.
Offsets count code points, which is what Python's str indexing counts, so
text[start:end] == quote holds by construction.

The model is a toy quote finder: the text between “ ” or " " is a direct quote, and its
speaker is the capitalized name next to a "said"/"says" in the same sentence after the
quote, or, failing that, the nearest one before it.

The other flags make it misbehave on purpose, for the tests of the harness:
each takes the article id to misbehave on (or a count), and writes a line to stderr
first so that the harness's stderr tail can be checked.
"""

import argparse
import csv
import json
import re
import sys
import time

QUOTE = re.compile(r"“([^”]+)”|\"([^\"\n]+)\"")
NAME = r"([A-ZÀ-ÖØ-Þ][\w’'-]*(?: [A-ZÀ-ÖØ-Þ][\w’'-]*)*)"
AFTER = re.compile(r"^[\s,]*(?:" + NAME + r"\s+(?:said|says)|(?:said|says)\s+" + NAME + r")")
BEFORE = re.compile(NAME + r"\s+(?:said|says)\b")


def find_quotes(text):
    rows = []
    for match in QUOTE.finditer(text):
        group = 1 if match.group(1) is not None else 2
        start, end = match.start(group), match.end(group)
        speaker = ""
        after = AFTER.match(text[match.end():match.end() + 120])
        if after:
            speaker = after.group(1) or after.group(2)
        else:
            before = list(BEFORE.finditer(text, max(0, match.start() - 200), match.start()))
            if before:
                speaker = before[-1].group(1)
        rows.append({"speaker": speaker, "quote": text[start:end], "start": start,
                     "end": end, "type": "direct", "cue": "said" if speaker else None})
    return rows


def attribute(request, table):
    """The speakers task (docs/tasks.md): a speaker for each given quote, named by its
    quote_id. From --from-csv, the speaker of the row at the quote's span; otherwise the
    toy finder's name near the quote, read as the cast member who has it as a name or
    alias."""
    text = request["text"]
    names = {}
    for member in request.get("cast", []):
        for name in [member["name"]] + member["aliases"]:
            names.setdefault(name, member["name"])
    by_span = {}
    if table is not None:
        for row in table.get(request["id"], []):
            if "start" in row:
                by_span.setdefault((row["start"], row["end"]), row["speaker"])
    found = {(r["start"], r["end"]): r["speaker"] for r in find_quotes(text)}
    rows = []
    for quote in request["quotes"]:
        span = (quote["start"], quote["end"])
        if table is not None:
            speaker = by_span.get(span)
        else:
            speaker = found.get(span, "")
            speaker = names.get(speaker, speaker)
        if speaker is not None:
            rows.append({"quote_id": quote["quote_id"], "speaker": speaker})
    return rows


def rows_from_csv(path):
    """Schema-2 rows grouped by article, as the answers of a model (--from-csv)."""
    by_article = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            answer = {"speaker": row.get("speaker", ""), "quote": row["quote"]}
            for key in ("start", "end", "speaker_start", "speaker_end"):
                if row.get(key):
                    answer[key] = int(row[key])
            for key in ("type", "cue", "speaker_mention"):
                if row.get(key):
                    answer[key] = row[key]
            if row.get("confidence"):
                answer["confidence"] = float(row["confidence"])
            by_article.setdefault(row["article_id"], []).append(answer)
    return by_article


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--empty", action="store_true",
                        help="answer every article with no attributions (protocol overhead)")
    parser.add_argument("--from-csv", metavar="FILE",
                        help="answer with the rows of a schema-2 CSV instead of finding quotes")
    parser.add_argument("--no-offsets", action="store_true",
                        help="leave start/end out of the rows")
    parser.add_argument("--sleep", type=float, default=0.0, metavar="S",
                        help="seconds to spend on each article (a slow model)")
    parser.add_argument("--reverse-batches", type=int, default=1, metavar="K",
                        help="read K requests, then answer them in reverse order")
    parser.add_argument("--crash-after", type=int, metavar="N",
                        help="exit (with --exit-code) after answering N articles")
    parser.add_argument("--exit-code", type=int, default=3, metavar="C",
                        help="exit code of --crash-after [default: 3]")
    parser.add_argument("--garbage", metavar="ID", help="print a non-JSON line instead of answering ID")
    parser.add_argument("--hang-on", metavar="ID", help="stop answering anything at ID")
    parser.add_argument("--skip", metavar="ID", help="never answer ID, answer the others")
    parser.add_argument("--wrong-id", metavar="ID", help="answer ID under another id")
    parser.add_argument("--twice", metavar="ID", help="answer ID twice")
    parser.add_argument("--bad-offsets", metavar="ID", help="answer ID with offsets off by one")
    parser.add_argument("--error-on", metavar="ID",
                        help='answer ID with the error extension {"id": ..., "error": ...}')
    parser.add_argument("--log-requests", metavar="FILE",
                        help="append each speakers-task request line to FILE")
    args = parser.parse_args()

    table = rows_from_csv(args.from_csv) if args.from_csv else None
    answered = 0

    def say(line):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def answer(request):
        nonlocal answered
        article_id, text = request["id"], request["text"]
        if args.sleep:
            time.sleep(args.sleep)
        if article_id == args.hang_on:
            print(f"protocol_adapter: hanging on {article_id} as asked (--hang-on)",
                  file=sys.stderr, flush=True)
            while True:
                time.sleep(3600)
        if article_id == args.skip:
            print(f"protocol_adapter: skipping {article_id} (--skip)", file=sys.stderr, flush=True)
            return
        if article_id == args.garbage:
            print(f"protocol_adapter: garbage for {article_id} (--garbage)", file=sys.stderr, flush=True)
            say("this is not JSON {")
            answered += 1
            return
        if article_id == args.error_on:
            say(json.dumps({"id": article_id, "error": "ValueError: cannot parse this article"}))
            answered += 1
            return

        if request.get("task") == "speakers":
            if args.log_requests:
                with open(args.log_requests, "a", encoding="utf-8") as log:
                    log.write(json.dumps(request) + "\n")
            say(json.dumps({"id": article_id,
                            "attributions": attribute(request, table)}))
            answered += 1
            return
        if args.empty:
            rows = []
        elif table is not None:
            rows = table.get(article_id, [])
        else:
            rows = find_quotes(text)
        if article_id == args.bad_offsets:
            print(f"protocol_adapter: shifting offsets of {article_id} (--bad-offsets)",
                  file=sys.stderr, flush=True)
            rows = rows or [{"speaker": "", "quote": text[:5] or "x", "start": 0, "end": 5}]
            rows = [dict(r, start=r.get("start", 0) + 1, end=r.get("end", 5) + 1) for r in rows]
        if args.no_offsets:
            rows = [{k: v for k, v in r.items() if k not in ("start", "end")} for r in rows]

        reply_id = article_id + "-oops" if article_id == args.wrong_id else article_id
        line = json.dumps({"id": reply_id, "attributions": rows})
        say(line)
        if article_id == args.twice:
            say(line)
        answered += 1
        if args.crash_after is not None and answered >= args.crash_after:
            print(f"protocol_adapter: crashing after {answered} answers as asked (--crash-after)",
                  file=sys.stderr, flush=True)
            sys.exit(args.exit_code)

    if args.crash_after == 0:
        print("protocol_adapter: exiting before any answer (--crash-after 0)",
              file=sys.stderr, flush=True)
        sys.exit(args.exit_code)

    pending = []
    for line in sys.stdin:
        if not line.strip():
            continue
        pending.append(json.loads(line))
        if len(pending) >= args.reverse_batches:
            for request in reversed(pending):
                answer(request)
            pending = []
    for request in reversed(pending):
        answer(request)


if __name__ == "__main__":
    main()
