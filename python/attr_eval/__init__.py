"""attr-eval from Python: the library's dataset reading and scoring, in this process.

    import attr_eval
    seed = attr_eval.load_dataset("datasets/seed")
    result = attr_eval.score(seed, "predictions.csv")   # or a list of dicts, a DataFrame
    result["scores"]["overlap"]["pair"]["f1"]

``score`` returns what ``attr-eval score --json`` prints (one element of run.json's
``results``, docs/run-record.md), computed by the same Rust code.
"""

import os

from . import _attr_eval
from ._attr_eval import Dataset, __version__

__all__ = [
    "Dataset",
    "InputError",
    "load_dataset",
    "outcomes",
    "score",
    "__version__",
]


class InputError(ValueError):
    """A file (or a row given as a dict) that breaks the formats of docs/datasets.md.

    ``str(error)`` is the message the command line prints. ``file``, ``line`` and
    ``column`` locate it: ``line`` is 1-based, ``column`` a CSV column's name or a
    1-based character position, either ``None`` when the problem is about a whole file
    or line. For rows given as a list, ``file`` and ``line`` are ``None`` and ``row``
    is the 0-based index of the row in the list. When one pass found several problems,
    the exception locates the first and ``errors`` holds them all.
    """

    def __init__(self, text, message, file, line, column, row=None, errors=None):
        super().__init__(text)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.row = row
        self.errors = [self] if errors is None else list(errors)


def load_dataset(path):
    """Opens and validates a dataset folder (a path, or a name under ``datasets/``).

    Raises ``InputError`` naming the first bad file, line and column (``errors`` has
    every problem found) and ``ValueError`` when there is no such folder.
    """
    return _attr_eval.load_dataset(os.fspath(path))


def _dataset(dataset):
    if isinstance(dataset, Dataset):
        return dataset
    return load_dataset(dataset)


def _is_path(obj):
    return isinstance(obj, (str, bytes, os.PathLike))


def _records(predictions):
    """Rows as a list of dicts. DataFrames are recognised by their module, so neither
    pandas nor polars is imported unless the caller already gave one."""
    module = type(predictions).__module__.split(".")[0]
    if module == "pandas":
        return predictions.to_dict("records")
    if module == "polars":
        return predictions.to_dicts()
    return list(predictions)


def _field(value):
    """A dict value as the CSV field a user would write."""
    if value is None:
        return ""
    if isinstance(value, bool):
        # Not a number in the schema: let the CSV reader reject it by name.
        return str(value).lower()
    if isinstance(value, float):
        if value != value:
            # pandas' missing value: an empty field, as in the file it came from.
            return ""
        if value.is_integer():
            # pandas turns an integer column with gaps into floats: 12.0 is offset 12.
            return str(int(value))
        return repr(value)
    if isinstance(value, str):
        return value
    # numpy scalars, Decimal and the like print as their number.
    if hasattr(value, "item"):
        return _field(value.item())
    return str(value)


def _table(rows):
    """A header (every key, in the order first met) and string fields."""
    header = []
    seen = set()
    for index, row in enumerate(rows):
        if not hasattr(row, "keys"):
            raise TypeError(
                "predictions[%d]: a row is a dict of the CSV schema's columns, not %s"
                % (index, type(row).__name__)
            )
        for key in row.keys():
            if key not in seen:
                seen.add(key)
                header.append(str(key))
    if not header:
        # No rows at all: the required columns, so the file reads as "no predictions".
        header = ["article_id", "speaker", "quote"]
    fields = [[_field(row.get(key)) for key in header] for row in rows]
    return header, fields


def score(
    dataset,
    predictions,
    overlap=0.5,
    speaker_match=None,
    types=None,
    task="extract",
    resamples=1000,
    seed=12345,
    articles=False,
    model=None,
):
    """Scores predictions against a dataset's gold: ``attr-eval score --json`` in a call.

    dataset: a ``Dataset`` from ``load_dataset``, or a path to one.
    predictions: a CSV path; a list of dicts keyed by the CSV schema's columns
        (``article_id``, ``speaker``, ``quote``, ``start``, ``end``, ``type``, ...);
        or a pandas or polars DataFrame with those columns. Rows are checked against
        the dataset exactly as a CSV file is.
    overlap, speaker_match, types, resamples, seed: the scoring flags of docs/cli.md.
        ``speaker_match=None`` is what the CLI does without ``--speaker-match``: the
        dataset's ``dataset.toml`` declaration, else ``"name"``. ``types`` is a list
        (or a comma-separated string) of ``direct``, ``indirect``, ``mixed``.
    task: ``"extract"`` (find the quotes and their speakers) or ``"speakers"`` (name
        the speaker of each given gold quote; docs/tasks.md): the figures of
        ``attr-eval score --task speakers --json``.
    articles: also return, under ``"articles"``, each article's outcomes (rows keyed
        by the CSV columns). For ``extract`` per scheme, the shape of a line of
        ``articles.jsonl``: ``counts``, ``outcomes`` (``kind``, ``gold``, ``pred``,
        ``sim``) and ``ignored``; for ``speakers``: ``counts``, ``outcomes`` (``kind``,
        ``gold``, ``answer``) and the ``unmatched`` answers.
    model: the result's ``model`` field; by default the CSV path as given, as the CLI
        writes it, or ``"predictions"`` for rows.

    Returns a dict: ``model``, ``dataset``, ``scores`` (for ``extract`` per scheme:
    ``pair``, ``quote`` and the rest of docs/run-record.md; for ``speakers`` the
    speaker accuracy, coverage and counts), ``by_type``, ``speaker_confusion``, ...
    """
    dataset = _dataset(dataset)
    if isinstance(types, str):
        types = types.split(",")
    elif types is not None:
        types = [str(t) for t in types]
    path = header = fields = None
    if _is_path(predictions):
        path = os.fsdecode(predictions)
        name = path if model is None else model
    else:
        header, fields = _table(_records(predictions))
        name = "predictions" if model is None else model
    return _attr_eval._score(
        dataset,
        path,
        header,
        fields,
        str(name),
        float(overlap),
        speaker_match,
        types,
        task,
        int(resamples),
        int(seed),
        bool(articles),
    )


def outcomes(dataset, predictions, scheme="overlap", **options):
    """Every outcome under one scheme as a flat row, for a DataFrame of the errors.

    Takes ``score``'s arguments. Each row: ``article_id``, ``kind`` (COR, INC, MIS,
    SPU; ``IGNORED`` for predictions the type filter left out), ``sim``, and the gold
    and predicted rows' columns prefixed ``gold_`` and ``pred_`` (``None`` where the
    outcome has no such row). With ``task="speakers"`` there are no schemes: each
    given quote is COR, INC or MIS with its answer as ``pred_``, and ``UNMATCHED``
    rows are the answers that answered no quote.
    """
    if scheme not in _attr_eval.schemes():
        raise ValueError(
            "scheme: `%s` is none of %s" % (scheme, ", ".join(_attr_eval.schemes()))
        )
    options["articles"] = True
    result = score(dataset, predictions, **options)
    flat = []
    if options.get("task") == "speakers":
        for article in result["articles"]:
            for outcome in article["outcomes"]:
                flat.append(_flat(article["article_id"], outcome["kind"], None,
                                  outcome["gold"], outcome["answer"]))
            for row in article["unmatched"]:
                flat.append(_flat(article["article_id"], "UNMATCHED", None, None, row))
        return flat
    for article in result["articles"]:
        part = article["schemes"][scheme]
        for outcome in part["outcomes"]:
            flat.append(_flat(article["article_id"], outcome["kind"], outcome["sim"],
                              outcome["gold"], outcome["pred"]))
        for row in part["ignored"]:
            flat.append(_flat(article["article_id"], "IGNORED", None, None, row))
    return flat


_COLUMNS = ("speaker", "quote", "start", "end", "type", "cue", "speaker_mention",
            "speaker_start", "speaker_end", "confidence", "mention_type")


def _flat(article_id, kind, sim, gold, pred):
    row = {"article_id": article_id, "kind": kind, "sim": sim}
    for prefix, side in (("gold_", gold), ("pred_", pred)):
        for column in _COLUMNS:
            row[prefix + column] = None if side is None else side.get(column)
    return row
