"""A `cmd:` model that misbehaves on purpose, for tests/hardening.rs.

What it does is chosen by files in its working folder rather than by arguments, so that
two runs of the same command line (the same model version for the prediction cache)
can behave differently:

- `log`: every request id is appended to it, as it arrives.
- `pids`: the process id of each start is appended to it.
- `answer_limit`: answer that many requests, then touch `marker` and keep reading
  without answering (until stdin closes, then exit).
- `exit_after`: answer that many requests, then exit with code 1 without reading more.
- `hang_child`: start `sleep 300` as a child, write its pid to `child.pid`, touch
  `marker`, and never answer.

Answers name the first quoted passage of the text (“…” or "…") with an empty speaker.
"""

import json
import os
import re
import subprocess
import sys


def setting(name):
    try:
        with open(name) as f:
            return int(f.read().strip() or 0)
    except FileNotFoundError:
        return None


def touch(name):
    with open(name, "w") as f:
        f.write("1")


def answer(request):
    rows = []
    match = re.search(r"[“\"]([^”\"]+)[”\"]", request["text"])
    if match:
        rows.append({"quote": match.group(1), "speaker": "",
                     "start": match.start(1), "end": match.end(1)})
    return {"id": request["id"], "attributions": rows}


def main():
    with open("pids", "a") as f:
        f.write(f"{os.getpid()}\n")
    if os.path.exists("hang_child"):
        child = subprocess.Popen(["sleep", "300"])
        with open("child.pid", "w") as f:
            f.write(str(child.pid))
        touch("marker")
        child.wait()
        return
    limit = setting("answer_limit")
    exit_after = setting("exit_after")
    answered = 0
    for line in sys.stdin:
        request = json.loads(line)
        with open("log", "a") as log:
            log.write(request["id"] + "\n")
        if exit_after is not None and answered >= exit_after:
            sys.exit(1)
        if limit is not None and answered >= limit:
            touch("marker")
            continue
        print(json.dumps(answer(request)), flush=True)
        answered += 1


main()
