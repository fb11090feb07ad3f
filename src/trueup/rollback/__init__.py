"""Rollback: put an App back to a revision it applied before.

Two modes. **Pin** (:mod:`.pin`, ``trueup rollback APP --to REVISION``): the App is
reconciled at that revision, with the inputs recorded for it, until ``trueup resume``;
Git is left as it is, so status shows the App OutOfSync with Git (:mod:`.shown` says how).
**Revert** (:mod:`.revert`, ``--revert``): commits on the source's branch restore what the
App read at that revision, and normal reconcile applies them, so Git stays the truth.

The package imports none of its modules: ``status`` reads :mod:`.shown` without loading
the engine.
"""
