"""attr_eval from Python against the command line: every figure equal to what
`attr-eval score --json` prints for the same input, and errors that locate the input.

The command is the wheel's `attr-eval` (beside this Python), and also the Rust binary
named by ATTR_EVAL_BIN when it is set (CI points it at target/release/attr-eval), so
the module is checked against the binary built apart from it.
"""

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import attr_eval

ROOT = Path(__file__).resolve().parents[2]
SEED_PRED = "results/baseline/predictions/seed/rules.csv"


def commands():
    wheel = Path(sys.executable).with_name("attr-eval")
    found = [str(wheel)] if wheel.exists() else [shutil.which("attr-eval")]
    if os.environ.get("ATTR_EVAL_BIN"):
        found.append(os.environ["ATTR_EVAL_BIN"])
    assert found[0], "no attr-eval command beside this Python nor on PATH"
    return found


@pytest.fixture(params=commands())
def cli(request):
    """Runs the command line from the repository root; returns (code, stdout, stderr)."""

    def run(*args, cwd=ROOT):
        done = subprocess.run(
            [request.param, *map(str, args)],
            cwd=cwd,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        return done.returncode, done.stdout, done.stderr

    return run


@pytest.fixture
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def cli_score(cli, dataset, pred, *flags):
    code, out, err = cli("score", "--dataset", dataset, "--pred", pred, "--json", *flags)
    assert code == 0, err
    return json.loads(out)


def csv_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# A small dataset made here: two articles (one not ASCII, so offsets count code points),
# every quote type, an alias, a speaker only an alias names, and predictions with and
# without offsets.
ARTICLES = {
    "harbour-01": (
        "The union called it off. \u201cWe are done,\u201d said Zo\u00eb Laine, "
        "the skipper. Officials said the ferries would run again on Monday. "
        "The Skipper added that talks had been \u201cfrank and long\u201d."
    ),
    "harbour-02": (
        "Port Authority head Ibsen said the quay was safe. \u201cNo one was hurt,\u201d "
        "the authority said. Ibsen warned that \u201cstorms are coming\u201d this week."
    ),
}


def span(article, quote):
    text = ARTICLES[article]
    start = text.index(quote)
    return start, start + len(quote)


def gold_row(article, speaker, quote, quote_type, mention):
    start, end = span(article, quote)
    m_start, m_end = span(article, mention)
    return {
        "article_id": article, "speaker": speaker, "quote": quote,
        "start": start, "end": end, "type": quote_type, "cue": "",
        "speaker_mention": mention, "speaker_start": m_start, "speaker_end": m_end,
        "mention_type": "explicit" if mention == speaker else "anaphoric",
    }


GOLD = [
    gold_row("harbour-01", "Zo\u00eb Laine", "We are done,", "direct", "Zo\u00eb Laine"),
    gold_row("harbour-01", "Officials", "the ferries would run again on Monday",
             "indirect", "Officials"),
    gold_row("harbour-01", "Zo\u00eb Laine", "talks had been \u201cfrank and long\u201d",
             "mixed", "The Skipper"),
    gold_row("harbour-02", "Ibsen", "the quay was safe", "indirect", "Ibsen"),
    gold_row("harbour-02", "Port Authority", "No one was hurt,", "direct", "the authority"),
    gold_row("harbour-02", "Ibsen", "storms are coming", "direct", "Ibsen"),
]

PREDICTIONS = [
    # Exact, through an alias.
    {"article_id": "harbour-01", "speaker": "Skipper", "quote": "We are done,",
     "type": "direct", "confidence": 0.9},
    # Shorter than gold: an overlap match, not an exact one.
    {"article_id": "harbour-01", "speaker": "Officials",
     "quote": "the ferries would run again", "type": "indirect"},
    # Right quote, wrong speaker.
    {"article_id": "harbour-01", "speaker": "The union", "quote": "talks had been",
     "type": "mixed", "confidence": 0.25},
    # With offsets, no type.
    {"article_id": "harbour-02", "speaker": "Ibsen", "quote": "the quay was safe",
     "start": span("harbour-02", "the quay was safe")[0],
     "end": span("harbour-02", "the quay was safe")[1]},
    {"article_id": "harbour-02", "speaker": "the authority", "quote": "No one was hurt,",
     "type": "direct", "speaker_mention": "the authority",
     "speaker_start": span("harbour-02", "the authority")[0],
     "speaker_end": span("harbour-02", "the authority")[1]},
    # Spurious.
    {"article_id": "harbour-02", "speaker": "Ibsen", "quote": "this week",
     "type": "indirect"},
]

COLUMNS = ["article_id", "speaker", "quote", "start", "end", "type", "cue",
           "speaker_mention", "speaker_start", "speaker_end", "confidence"]
GOLD_COLUMNS = COLUMNS[:-1] + ["mention_type"]


def write_csv(path, rows, columns=COLUMNS):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})


@pytest.fixture
def harbour(tmp_path):
    folder = tmp_path / "harbour"
    (folder / "articles").mkdir(parents=True)
    for article_id, text in ARTICLES.items():
        (folder / "articles" / f"{article_id}.txt").write_text(text, encoding="utf-8")
    write_csv(folder / "gold.csv", GOLD, GOLD_COLUMNS)
    (folder / "aliases.csv").write_text(
        "article_id,name,alias\n*,Zo\u00eb Laine,Skipper\n"
        "harbour-02,Port Authority,the authority\n",
        encoding="utf-8",
    )
    write_csv(tmp_path / "pred.csv", PREDICTIONS)
    return folder, tmp_path / "pred.csv"


# -- figures equal to the command line's -------------------------------------------


def test_the_seed_from_a_csv_path_scores_as_the_cli(cli, in_root):
    expected = cli_score(cli, "seed", SEED_PRED)
    assert attr_eval.score(attr_eval.load_dataset("seed"), SEED_PRED) == expected
    # A dataset given by path scores the same.
    assert attr_eval.score("datasets/seed", SEED_PRED) == expected


def keys(value):
    """Every key path in order: dict equality ignores the order keys come in."""
    if isinstance(value, dict):
        return [(k, keys(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [keys(v) for v in value]
    return None


def test_keys_come_in_the_order_the_cli_prints_them(cli, in_root):
    expected = cli_score(cli, "seed", SEED_PRED)
    assert keys(attr_eval.score("seed", SEED_PRED)) == keys(expected)


def test_the_seed_from_a_list_of_dicts_scores_as_the_cli(cli, in_root):
    expected = cli_score(cli, "seed", SEED_PRED)
    rows = csv_rows(ROOT / SEED_PRED)
    result = attr_eval.score(attr_eval.load_dataset("seed"), rows)
    assert result["model"] == "predictions"
    result["model"] = expected["model"]
    assert result == expected


@pytest.mark.parametrize("model", ["rules", "tagger"])
def test_litbank_quotes_scores_as_the_cli(cli, in_root, model):
    pred = f"results/baseline/predictions/litbank-quotes/{model}.csv"
    expected = cli_score(cli, "litbank-quotes", pred)
    dataset = attr_eval.load_dataset("litbank-quotes")
    assert attr_eval.score(dataset, pred) == expected
    assert attr_eval.score(dataset, csv_rows(ROOT / pred), model=pred) == expected


@pytest.mark.parametrize(
    "flags, options",
    [
        ([], {}),
        (["--overlap", "0.8"], {"overlap": 0.8}),
        (["--overlap", "1"], {"overlap": 1}),
        (["--speaker-match", "none"], {"speaker_match": "none"}),
        (["--speaker-match", "mention"], {"speaker_match": "mention"}),
        (["--types", "direct,mixed"], {"types": ["direct", "mixed"]}),
        (["--types", "indirect"], {"types": "indirect"}),
        (["--resamples", "50", "--seed", "7"], {"resamples": 50, "seed": 7}),
    ],
)
def test_a_synthetic_dataset_scores_as_the_cli_under_each_option(cli, harbour, flags,
                                                                  options):
    folder, pred = harbour
    expected = cli_score(cli, folder, pred, *flags)
    dataset = attr_eval.load_dataset(folder)
    assert attr_eval.score(dataset, str(pred), **options) == expected
    result = attr_eval.score(dataset, PREDICTIONS, model=str(pred), **options)
    assert result == expected


def test_the_figures_are_not_trivial(harbour):
    """Guards the comparisons above against a dataset where everything is 0 or 1."""
    folder, pred = harbour
    scores = attr_eval.score(attr_eval.load_dataset(folder), pred)["scores"]
    assert scores["exact"]["counts"]["cor"] < scores["overlap"]["counts"]["cor"]
    assert scores["overlap"]["counts"]["inc"] >= 1
    assert scores["overlap"]["counts"]["spu"] >= 1
    assert 0 < scores["overlap"]["pair"]["f1"] < 1


def test_a_declared_speaker_match_is_used_as_the_cli_uses_it(cli, harbour):
    folder, pred = harbour
    (folder / "dataset.toml").write_text('speaker_match = "mention"\n', encoding="utf-8")
    expected = cli_score(cli, folder, pred)
    assert expected == cli_score(cli, folder, pred, "--speaker-match", "mention")
    assert expected != cli_score(cli, folder, pred, "--speaker-match", "name")
    assert attr_eval.score(attr_eval.load_dataset(folder), pred) == expected


def test_articles_add_outcomes_that_add_up_to_the_counts(harbour):
    folder, pred = harbour
    dataset = attr_eval.load_dataset(folder)
    plain = attr_eval.score(dataset, pred)
    result = attr_eval.score(dataset, pred, articles=True)
    lines = result.pop("articles")
    assert result == plain
    assert [line["article_id"] for line in lines] == dataset.article_ids
    for scheme, scores in plain["scores"].items():
        kinds = [o["kind"] for line in lines for o in line["schemes"][scheme]["outcomes"]]
        counts = scores["counts"]
        for kind in ("COR", "INC", "MIS", "SPU"):
            assert kinds.count(kind) == counts[kind.lower()], (scheme, kind)
    # Predictions without offsets come back placed in the text.
    cor = next(o for o in lines[0]["schemes"]["exact"]["outcomes"] if o["kind"] == "COR")
    assert (cor["pred"]["start"], cor["pred"]["end"]) == span("harbour-01", "We are done,")


def test_outcomes_are_flat_rows_of_one_scheme(harbour):
    folder, pred = harbour
    rows = attr_eval.outcomes(folder, pred, scheme="overlap")
    counts = attr_eval.score(folder, pred)["scores"]["overlap"]["counts"]
    assert len(rows) == counts["cor"] + counts["inc"] + counts["mis"] + counts["spu"]
    inc = [r for r in rows if r["kind"] == "INC"]
    assert inc and inc[0]["gold_speaker"] == "Zo\u00eb Laine"
    assert inc[0]["pred_speaker"] == "The union"
    assert all(r["gold_quote"] is None for r in rows if r["kind"] == "SPU")
    with pytest.raises(ValueError, match="scheme"):
        attr_eval.outcomes(folder, pred, scheme="fuzzy")


def test_type_filtered_predictions_are_listed_as_ignored(harbour):
    folder, pred = harbour
    rows = attr_eval.outcomes(folder, pred, types=["direct"])
    ignored = [r for r in rows if r["kind"] == "IGNORED"]
    assert ignored and all(r["pred_type"] != "direct" for r in ignored)


# -- DataFrames, without pandas or polars being needed -----------------------------


class _Frame:
    def __init__(self, rows):
        self.rows = rows

    def to_dict(self, orient):
        assert orient == "records"
        return self.rows

    def to_dicts(self):
        return self.rows


def _frame_class(module):
    return type("DataFrame", (_Frame,), {"__module__": module})


@pytest.mark.parametrize("module", ["pandas.core.frame", "polars.dataframe.frame"])
def test_a_dataframe_is_read_through_its_records(harbour, module):
    folder, pred = harbour
    # As pandas gives a column of integers with gaps: floats, NaN for the gaps.
    nan = float("nan")
    rows = []
    for row in PREDICTIONS:
        row = {c: row.get(c, nan) for c in COLUMNS}
        for c in ("start", "end", "speaker_start", "speaker_end"):
            row[c] = float(row[c])
        rows.append(row)
    frame = _frame_class(module)(rows)
    dataset = attr_eval.load_dataset(folder)
    assert attr_eval.score(dataset, frame, model=str(pred)) == attr_eval.score(dataset, pred)


def test_a_real_pandas_dataframe(harbour):
    pandas = pytest.importorskip("pandas")
    folder, pred = harbour
    frame = pandas.read_csv(pred)
    dataset = attr_eval.load_dataset(folder)
    assert attr_eval.score(dataset, frame, model=str(pred)) == attr_eval.score(dataset, pred)


def test_importing_and_scoring_rows_imports_no_dataframe_library(harbour):
    folder, _ = harbour
    code = (
        "import sys, attr_eval\n"
        f"attr_eval.score({str(folder)!r}, {PREDICTIONS!r})\n"
        "print(sorted(m for m in ('pandas', 'polars', 'numpy') if m in sys.modules))\n"
    )
    # Away from python/, whose attr_eval/ (no extension in it) would shadow the wheel's.
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=folder.parent).stdout
    assert out.strip() == "[]"


# -- the dataset object --------------------------------------------------------------


def test_the_dataset_gives_articles_gold_and_cast(harbour):
    folder, _ = harbour
    dataset = attr_eval.load_dataset(folder)
    assert dataset.name == "harbour"
    assert len(dataset) == 2
    assert dataset.article_ids == ["harbour-01", "harbour-02"]
    assert dataset.gold_rows == len(GOLD)
    assert [(a["id"], a["text"]) for a in dataset.articles()] == list(ARTICLES.items())
    assert dataset.article("harbour-02")["text"] == ARTICLES["harbour-02"]
    assert dataset.article("nope") is None
    gold = dataset.gold("harbour-01")
    assert [g["quote"] for g in gold] == [g["quote"] for g in GOLD[:3]]
    assert gold[0]["start"] == GOLD[0]["start"] and gold[0]["type"] == "direct"
    assert len(dataset.gold()) == len(GOLD)
    assert dataset.aliases() == [
        {"article_id": None, "name": "Zo\u00eb Laine", "alias": "Skipper"},
        {"article_id": "harbour-02", "name": "Port Authority", "alias": "the authority"},
    ]
    assert dataset.fingerprint.startswith("sha256:")
    assert len(dataset.read_predictions(harbour[1])) == len(PREDICTIONS)


def test_gold_rows_score_perfectly_as_predictions(harbour):
    folder, _ = harbour
    dataset = attr_eval.load_dataset(folder)
    scores = attr_eval.score(dataset, dataset.gold())["scores"]
    assert all(scores[s]["pair"]["f1"] == 1.0 for s in attr_eval._attr_eval.schemes())


# -- errors --------------------------------------------------------------------------


def test_a_bad_predictions_csv_raises_naming_file_line_and_column(cli, harbour):
    folder, _ = harbour
    bad = folder.parent / "bad.csv"
    bad.write_text(
        "article_id,speaker,quote,start,end\n"
        "harbour-01,Ibsen,We are done,,\n"
        "harbour-02,Ibsen,the quay,x,12\n",
        encoding="utf-8",
    )
    with pytest.raises(attr_eval.InputError) as caught:
        attr_eval.score(attr_eval.load_dataset(folder), str(bad))
    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.file, error.line, error.column) == (str(bad), 3, "start")
    assert error.row is None
    assert str(error).startswith(f"{bad}:3: column `start`: ")
    assert error.message in str(error)
    code, _, err = cli("score", "--dataset", folder, "--pred", bad, "--json")
    assert code == 2
    assert err.strip() == f"error: {error}"


def test_every_problem_of_a_file_is_carried(harbour):
    folder, _ = harbour
    bad = folder.parent / "bad.csv"
    bad.write_text(
        "article_id,speaker,quote\nnope,A,b\nharbour-01,A,\n", encoding="utf-8"
    )
    with pytest.raises(attr_eval.InputError) as caught:
        attr_eval.score(folder, bad)
    error = caught.value
    assert [(e.line, e.column) for e in error.errors] == [(2, "article_id"), (3, "quote")]
    assert (error.line, error.column) == (2, "article_id")
    assert str(error) == "\n".join(str(e) for e in error.errors)


def test_a_bad_row_of_a_list_is_named_by_its_index(harbour):
    folder, _ = harbour
    rows = [dict(r) for r in PREDICTIONS]
    # A quote with a line break before the bad row: rows still map back by index.
    rows[1]["quote"] = "the ferries would\nrun again"
    rows[3]["end"] = 10**6
    with pytest.raises(attr_eval.InputError) as caught:
        attr_eval.score(folder, rows)
    error = caught.value
    assert (error.file, error.line, error.row, error.column) == (None, None, 3, "end")
    assert str(error).startswith("<predictions>[3]: column `end`: ")


def test_rows_missing_a_required_column_are_refused(harbour):
    folder, _ = harbour
    with pytest.raises(attr_eval.InputError, match="speaker"):
        attr_eval.score(folder, [{"article_id": "harbour-01", "quote": "x"}])
    with pytest.raises(TypeError, match=r"predictions\[0\]"):
        attr_eval.score(folder, [("harbour-01", "x", "y")])


def test_no_predictions_score_as_nothing_found(harbour):
    folder, _ = harbour
    scores = attr_eval.score(folder, [])["scores"]["exact"]
    assert scores["counts"]["pred"] == 0 and scores["counts"]["mis"] == len(GOLD)


def test_a_bad_dataset_raises_input_error_with_its_file(harbour):
    folder, _ = harbour
    with open(folder / "gold.csv", "a", encoding="utf-8") as f:
        f.write("harbour-01,Ibsen,not in the text,0,3,direct,,,,\n")
    with pytest.raises(attr_eval.InputError) as caught:
        attr_eval.load_dataset(folder)
    error = caught.value
    assert Path(error.file).name == "gold.csv"
    assert error.line == len(GOLD) + 2


def test_missing_things_raise_the_usual_exceptions(harbour, tmp_path):
    folder, _ = harbour
    with pytest.raises(ValueError, match="no dataset"):
        attr_eval.load_dataset(tmp_path / "absent")
    with pytest.raises(FileNotFoundError) as caught:
        attr_eval.score(folder, tmp_path / "absent.csv")
    assert caught.value.filename == str(tmp_path / "absent.csv")


def test_bad_options_raise_value_error(harbour):
    folder, pred = harbour
    for options, word in [
        ({"overlap": 0}, "overlap"),
        ({"overlap": 1.5}, "overlap"),
        ({"overlap": float("nan")}, "overlap"),
        ({"speaker_match": "fuzzy"}, "speaker_match"),
        ({"types": ["direct", "sarcastic"]}, "types"),
        ({"task": "translate"}, "task"),
        ({"task": "speakers", "speaker_match": "fuzzy"}, "speaker_match"),
    ]:
        with pytest.raises(ValueError, match=word):
            attr_eval.score(folder, pred, **options)


# -- the speakers task ----------------------------------------------------------------


def speakers_answers():
    """Answers to the given quotes: by offsets, by text, a wrong speaker, an alias, a
    quote left unanswered and an answer to no given quote."""
    return [
        {"article_id": "harbour-01", "speaker": "Zoë Laine", "quote": "We are done,",
         "start": GOLD[0]["start"], "end": GOLD[0]["end"]},
        {"article_id": "harbour-01", "speaker": "The union",
         "quote": "the ferries would run again on Monday"},
        {"article_id": "harbour-01", "speaker": "Skipper",
         "quote": "talks had been \u201cfrank and long\u201d"},
        {"article_id": "harbour-02", "speaker": "Ibsen", "quote": "the quay was safe"},
        {"article_id": "harbour-02", "speaker": "Ibsen", "quote": "not a given quote"},
    ]


@pytest.mark.parametrize("flags, options", [
    ([], {}),
    (["--speaker-match", "none"], {"speaker_match": "none"}),
    (["--types", "direct"], {"types": ["direct"]}),
    (["--resamples", "20", "--seed", "3"], {"resamples": 20, "seed": 3}),
])
def test_the_speakers_task_scores_as_the_cli(cli, harbour, flags, options):
    folder, _ = harbour
    answers = folder.parent / "answers.csv"
    write_csv(answers, speakers_answers())
    expected = cli_score(cli, folder, answers, "--task", "speakers", *flags)
    assert expected["task"] == "speakers"
    dataset = attr_eval.load_dataset(folder)
    result = attr_eval.score(dataset, answers, task="speakers", **options)
    assert result == expected
    assert keys(result) == keys(expected)
    rows = attr_eval.score(dataset, speakers_answers(), task="speakers",
                           model=str(answers), **options)
    assert rows == expected


def test_the_speakers_task_on_the_seed_scores_as_the_cli(cli, in_root, tmp_path):
    gold = attr_eval.load_dataset("seed").gold()
    # Every third speaker wrong, every fifth quote unanswered.
    answers = [dict(g, speaker="Nobody" if i % 3 == 0 else g["speaker"])
               for i, g in enumerate(gold) if i % 5]
    path = tmp_path / "answers.csv"
    write_csv(path, answers)
    expected = cli_score(cli, "seed", path, "--task", "speakers")
    assert attr_eval.score("seed", path, task="speakers") == expected
    assert attr_eval.score("seed", answers, task="speakers", model=str(path)) == expected


def test_the_speakers_task_outcomes(harbour):
    folder, _ = harbour
    result = attr_eval.score(folder, speakers_answers(), task="speakers", articles=True)
    lines = result.pop("articles")
    assert [line["article_id"] for line in lines] == ["harbour-01", "harbour-02"]
    assert sum(line["counts"]["unmatched_answers"] for line in lines) == 1
    assert lines[1]["unmatched"][0]["quote"] == "not a given quote"
    rows = attr_eval.outcomes(folder, speakers_answers(), task="speakers")
    kinds = sorted(r["kind"] for r in rows)
    assert kinds == sorted(["COR", "INC", "COR", "COR", "MIS", "MIS", "UNMATCHED"])
    inc = next(r for r in rows if r["kind"] == "INC")
    assert (inc["gold_speaker"], inc["pred_speaker"]) == ("Officials", "The union")


def test_the_speakers_task_needs_gold_offsets(harbour):
    folder, _ = harbour
    gold = (folder / "gold.csv").read_text(encoding="utf-8").splitlines()
    # The third row loses its offsets.
    fields = next(csv.reader([gold[3]]))
    fields[3] = fields[4] = ""
    with open(folder / "gold.csv", "w", newline="", encoding="utf-8") as f:
        f.write("\n".join(gold[:3]) + "\n")
        csv.writer(f).writerow(fields)
        f.write("\n".join(gold[4:]) + "\n")
    with pytest.raises(attr_eval.InputError) as caught:
        attr_eval.score(folder, speakers_answers(), task="speakers")
    assert Path(caught.value.file).name == "gold.csv"
    assert caught.value.line == 4


# -- the command ---------------------------------------------------------------------


def test_the_command_prints_its_version(cli):
    code, out, _ = cli("--version")
    assert code == 0
    assert out.strip() == f"attr-eval {attr_eval.__version__}"


def test_the_command_keeps_the_binarys_exit_codes(cli, harbour):
    folder, pred = harbour
    assert cli()[0] == 2
    assert cli("score", "--dataset", folder)[0] == 2
    assert cli("validate", folder)[0] == 0
    code, out, _ = cli("score", "--dataset", folder, "--pred", pred)
    assert code == 0 and "harbour" in out


def test_python_dash_m_runs_the_command(harbour):
    folder, _ = harbour
    done = subprocess.run([sys.executable, "-m", "attr_eval", "validate", str(folder)],
                          capture_output=True, text=True, cwd=folder.parent)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([sys.executable, "-m", "attr_eval", "--help"],
                          capture_output=True, text=True, cwd=folder.parent)
    assert "Usage: attr-eval" in done.stdout
