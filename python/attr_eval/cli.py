"""The `attr-eval` command of the wheel: the Rust command line, run in this process."""

import signal
import sys

from . import _attr_eval


def main(argv=None):
    """Runs the command line on ``argv`` (``sys.argv`` by default) and exits with its
    code: the binary's arguments, output and exit codes (docs/exit-codes.md)."""
    argv = list(sys.argv if argv is None else argv)
    # Python ignores SIGPIPE and turns SIGINT into KeyboardInterrupt, which Rust code
    # never sees: put back the defaults the binary runs with, so `| head` ends quietly
    # and Ctrl-C stops (a run installs its own handlers for its interrupted record).
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # Usage lines say `attr-eval` whatever launched this (a script, `python -m`).
    code = _attr_eval.main(["attr-eval"] + argv[1:])
    sys.exit(code)


if __name__ == "__main__":
    main()
