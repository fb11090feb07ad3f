"""Step 2a, inputs: what an App's render needs besides its Git tree.

- ``objects``: the ConfigMaps and Secrets an App names (``valuesFrom``,
  ``substituteFrom``), read from its target with its own rights, Secret values marked to
  be masked.
- ``variables``: the variables of an App's substitution.
- ``options``: an App's ``RenderOptions`` with all of the above, the target's version and
  API set for Helm, and the keys of its decryption Secret for SOPS.
"""

from __future__ import annotations

from trueup.inputs.objects import InputData, read_inputs
from trueup.inputs.options import RenderSetup, render_setup
from trueup.inputs.variables import Variables, merged_variables, read_variables

__all__ = [
    "InputData",
    "RenderSetup",
    "Variables",
    "merged_variables",
    "read_inputs",
    "read_variables",
    "render_setup",
]
