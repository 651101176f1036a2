"""The examples of docs/python.md run, and print the figures `score` gives."""

import subprocess
import sys
from pathlib import Path

import attr_eval

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ROOT = EXAMPLES.parents[1]


def run(name, *args):
    # Away from python/, whose attr_eval/ (no extension in it) would shadow the wheel's.
    done = subprocess.run([sys.executable, str(EXAMPLES / name), *args], cwd=ROOT.parent,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_score_model_prints_each_scheme_and_some_errors():
    out = run("score_model.py")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[:3]] == ["exact", "overlap", "lenient"]
    assert any(line.startswith(("MIS", "INC", "SPU")) for line in lines[3:])


def test_the_training_loop_reports_its_best_epoch():
    out = run("training_loop.py", str(ROOT / "datasets" / "seed"))
    assert "epoch 0:" in out
    best = float(out.strip().splitlines()[-1].rsplit(" ", 1)[1])
    assert 0 < best <= 1
    # Its F1 is `score`'s: the best epoch's figure is one the loop printed.
    assert f"dev pair F1 (overlap) {best:.3f}" in out
    assert attr_eval.load_dataset(ROOT / "datasets" / "seed").name == "seed"
