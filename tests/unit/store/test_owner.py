"""An attempt's owner is declared gone only when that is provable from this host."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

from trueup.store import Owner
from trueup.store.owner import start_ticks


def test_this_process_is_its_own_live_owner() -> None:
    here = Owner.current()
    assert here.start > 0
    assert not here.gone()
    assert Owner.parse(str(here)) == here


def test_an_owner_whose_process_ended_is_gone_even_before_it_is_reaped() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    owner = dataclasses.replace(Owner.current(), pid=child.pid, start=start_ticks(child.pid) or 0)
    assert not owner.gone()
    child.kill()
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # ended, left a zombie
    assert owner.gone()
    child.wait()
    assert owner.gone()


def test_an_owner_whose_process_id_was_reused_is_gone() -> None:
    here = Owner.current()
    assert dataclasses.replace(here, start=here.start - 1).gone()


def test_an_owner_on_an_earlier_boot_of_this_host_is_gone() -> None:
    here = Owner.current()
    assert dataclasses.replace(here, boot_id="an-earlier-boot").gone()


def test_an_owner_on_another_host_is_never_declared_gone() -> None:
    here = Owner.current()
    assert not dataclasses.replace(here, host=here.host + "-other", pid=1 << 30).gone()


def test_text_that_is_not_an_owner_parses_to_none() -> None:
    assert Owner.parse("") is None
    assert Owner.parse("pid x on host (boot b, start 1)") is None
