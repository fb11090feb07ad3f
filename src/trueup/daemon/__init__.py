"""The daemon behind ``trueup serve``: continuous reconcile around the one engine.

Modules, each with one job: :mod:`~trueup.daemon.daemon` (the loop and its wiring),
:mod:`~trueup.daemon.queue` (keyed work queue), :mod:`~trueup.daemon.schedule` (when to
run again), :mod:`~trueup.daemon.backoff` (jitter and backoff), :mod:`~trueup.daemon.clock`
(real and controllable time), :mod:`~trueup.daemon.sources` (polling Git once per source),
:mod:`~trueup.daemon.events` (the in-process event bus), :mod:`~trueup.daemon.logs`,
:mod:`~trueup.daemon.metrics`, :mod:`~trueup.daemon.http` and :mod:`~trueup.daemon.routes`
(listeners and routes), :mod:`~trueup.daemon.watches` and :mod:`~trueup.daemon.drift`
(live objects and drift), :mod:`~trueup.daemon.readsets` (which apps a revision changes),
:mod:`~trueup.daemon.leader` (leader election among processes; its
loop in :mod:`~trueup.daemon.leader_loop`, the Lease record in
:mod:`~trueup.daemon.leader_lease`).
"""
