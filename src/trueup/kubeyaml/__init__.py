"""kubeyaml: read manifest files exactly as ``kubectl`` reads them, within limits.

``read_documents(data, limits)`` yields one ``Document`` per object-bearing document of a
file, its value JSON-ready and equal, value for value, to what ``kubectl create -f`` sends
(YAML 1.1 as go-yaml v2 reads it, then JSON), or raises ``ManifestSyntaxError`` naming the line.
Where agreeing with kubectl would be unsafe (kubectl drops a document silently, or keeps
either of two keys at random), the input is refused instead. Used by the render layer for
manifests and by the configuration loader for trueup's own objects.
"""

from __future__ import annotations

from trueup.kubeyaml.document import Document
from trueup.kubeyaml.guard import Limits, ObjectBudget
from trueup.kubeyaml.problem import ManifestSyntaxError
from trueup.kubeyaml.reader import read_documents, read_each

__all__ = [
    "Document",
    "Limits",
    "ManifestSyntaxError",
    "ObjectBudget",
    "read_documents",
    "read_each",
]
