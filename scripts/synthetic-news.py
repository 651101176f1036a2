#!/usr/bin/env python3
"""Writes a synthetic news dataset of N articles (8 direct quotes each, about 4 KB of
text) and a predictions CSV with mistakes and confidences, for measuring the reports
of a large run:

    python3 scripts/synthetic-news.py 1000 /tmp/news
    attr-eval run --dataset /tmp/news/news --model rules \
        --model m=file:/tmp/news/predictions.csv --out /tmp/news/runs --name big
"""

import csv
import os
import random
import sys

SPEAKERS = ["Yuri Ushakov", "Dmitry Peskov", "Kirill Dmitriev", "Steve Witkoff",
            "Ana Ruiz", "Ben Okafor", "Maria Lopez", "John Carter"]
FILLER = ("Officials met on Wednesday to discuss the proposal, which has drawn criticism "
          "from several parties and observers in the region. ")


def main():
    count, out = int(sys.argv[1]), sys.argv[2]
    random.seed(7)
    folder = os.path.join(out, "news")
    os.makedirs(os.path.join(folder, "articles"), exist_ok=True)
    gold, predictions = [], []
    for a in range(count):
        article_id = f"n{a:04d}"
        text = f"Headline of article {a}\n\n"
        for q in range(8):
            text += FILLER * random.randint(1, 3)
            speaker = random.choice(SPEAKERS)
            quote = f"We will look at statement {q} of article {a} very carefully, and we expect progress soon,"
            if random.random() < 0.5:
                text += "“"
                start = len(text)
                text += quote
                end = len(text)
                text += f"” {speaker} said.\n\n"
            else:
                text += f"{speaker} said “"
                start = len(text)
                text += quote
                end = len(text)
                text += "”\n\n"
            gold.append([article_id, speaker, quote, start, end, "direct"])
            luck = random.random()
            if luck < 0.1:
                continue
            said = random.choice(SPEAKERS) if luck < 0.25 else speaker
            predictions.append([article_id, said, quote, start, end, "direct",
                                f"{random.uniform(0.2, 0.6) if luck < 0.25 else random.uniform(0.4, 1.0):.3f}"])
        with open(os.path.join(folder, "articles", f"{article_id}.txt"), "w") as f:
            f.write(text)
    header = ["article_id", "speaker", "quote", "start", "end", "type"]
    with open(os.path.join(folder, "gold.csv"), "w", newline="") as f:
        csv.writer(f).writerows([header] + gold)
    with open(os.path.join(out, "predictions.csv"), "w", newline="") as f:
        csv.writer(f).writerows([header + ["confidence"]] + predictions)


if __name__ == "__main__":
    main()
