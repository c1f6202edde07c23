"""`cadenza serve` with the accomp test family (tests/accomp_engine.py) registered, for front-end
tests that start a real daemon as a program (the Max for Live end-to-end test, the REAPER
actions' daemon): the shipped Markov model (the default, which cannot accompany) and one
accomp model, in a temporary models folder. Arguments are those of `cadenza serve`.

    python tests/serve_accomp.py --port 0 --log-level warning
"""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_accompany_support import models_folder  # noqa: E402

from bridge.cli import main  # noqa: E402
from bridge.engines import registry  # noqa: E402

if __name__ == "__main__":
    registry.register("accomp", engine="accomp_engine:AccompEngine")  # the one line
    with tempfile.TemporaryDirectory(prefix="cadenza-accomp-") as tmp:
        main(["serve", "--models", str(models_folder(Path(tmp))), "--only", *sys.argv[1:]])
