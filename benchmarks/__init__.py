"""Benchmarks of trueup, run on purpose and reported as tables beside a peer tool.

- :mod:`benchmarks.sync`: ``trueup sync`` beside ``kubectl apply --server-side`` of the same
  objects, cold and warm, on a dev-cluster of its own (writes ``docs/benchmarks.md``).
- :mod:`benchmarks.startup`: ``trueup --version``, ``--help`` and ``status`` beside
  ``kubectl version --client`` (writes the Start-up section of ``docs/benchmarks.md``).
- :mod:`benchmarks.profile_sync`: where the time of one cold and one warm sync goes, in-process.
- :mod:`benchmarks.workload`: the generated Git repository both of them sync.
- :mod:`benchmarks.measure`: wall time and peak memory of one child process.

Nothing here asserts a timing; the test suite only checks that the harness runs.
"""
