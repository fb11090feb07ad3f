"""trueup: a GitOps engine. Git holds the desired state; trueup makes the running system agree."""

import sys

__version__ = "0.1.0"

# httpx imports its own command-line client (``httpx._main``, which loads rich's progress
# and syntax modules and pygments) whenever rich and click are installed, as they are for
# trueup's CLI. trueup never runs it, and that import cost 60-130 ms of every command that
# reaches a cluster. A ``None`` entry makes just that import fail, and httpx then defines a
# ``main`` that says its command-line client is not installed; the rest of httpx is unchanged.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
