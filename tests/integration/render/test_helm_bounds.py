"""Hostile charts and values files are refused, within the render's limits.

Values files and chart folders are repository reads: ``..`` and symlinks out of the
checkout are refused before anything is read; a chart over the size limits is refused
before Helm runs; a template that loops is stopped by the helper's time limit.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.servers.chart_repo import CHARTS
from trueup.config.helm import HelmSpec
from trueup.errors import RenderError
from trueup.render.helm import HelmRender, render_chart
from trueup.render.options import RenderLimits


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(CHARTS / "webapp", root / "charts" / "webapp")
    return root.resolve()


def _helm(binary: Path, chart: str = "charts/webapp", /, **spec: object) -> HelmRender:
    # model_construct: the render must refuse what the config loader would also refuse.
    unchecked = HelmSpec.model_construct(_fields_set=None, chart=chart, **spec)
    return HelmRender(str(binary), unchecked, "shop", "prod")


def _default(**spec: object) -> dict[str, object]:
    base: dict[str, object] = {
        "version": None,
        "repository": None,
        "values": {},
        "values_files": (),
        "values_from": (),
        "release_name": None,
        "include_crds": True,
        "plain_http": False,
    }
    return {**base, **spec}


@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/passwd", "charts/../../x"])
def test_a_values_file_outside_the_repository_is_refused(
    helm_helper: Path, repository: Path, path: str
) -> None:
    helm = _helm(helm_helper, **_default(values_files=(path,)))
    with pytest.raises(RenderError, match=r"valuesFiles\[0\].*inside the repository"):
        render_chart(repository, helm, RenderLimits())


def test_a_values_file_symlinked_out_of_the_repository_is_refused(
    helm_helper: Path, repository: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "secret-values.yaml"
    outside.write_text("message: leaked\n")
    os.symlink(outside, repository / "prod.yaml")
    helm = _helm(helm_helper, **_default(values_files=("prod.yaml",)))
    with pytest.raises(RenderError, match="symlink that points outside the repository"):
        render_chart(repository, helm, RenderLimits())
    os.symlink("../secret-values.yaml", repository / "relative.yaml")
    helm = _helm(helm_helper, **_default(values_files=("relative.yaml",)))
    with pytest.raises(RenderError, match="outside the repository"):
        render_chart(repository, helm, RenderLimits())


def test_a_chart_file_symlinked_out_of_the_repository_is_refused(
    helm_helper: Path, repository: Path
) -> None:
    os.symlink("/etc/passwd", repository / "charts" / "webapp" / "templates" / "passwd.yaml")
    with pytest.raises(RenderError, match=r"passwd\.yaml is a symlink that points outside"):
        render_chart(repository, _helm(helm_helper, **_default()), RenderLimits())


def test_a_chart_outside_the_repository_is_refused(helm_helper: Path, repository: Path) -> None:
    with pytest.raises(RenderError, match="inside the repository"):
        render_chart(repository, _helm(helm_helper, "../webapp", **_default()), RenderLimits())


def test_a_chart_with_a_100_mb_template_is_refused_before_helm_runs(
    helm_helper: Path, repository: Path
) -> None:
    big = repository / "charts" / "webapp" / "templates" / "big.yaml"
    with open(big, "wb") as f:
        f.truncate(100 * 2**20)
    with pytest.raises(RenderError, match=r"big.yaml is 104857600 bytes, over the limit"):
        render_chart(repository, _helm(helm_helper, **_default()), RenderLimits())


def test_a_chart_whose_files_add_up_over_the_limit_is_refused(
    helm_helper: Path, repository: Path
) -> None:
    for index in range(3):
        (repository / "charts" / "webapp" / "templates" / f"part{index}.txt").write_bytes(
            b"#" * (6 * 2**20)
        )
    with pytest.raises(RenderError, match="add up to more than"):
        render_chart(repository, _helm(helm_helper, **_default()), RenderLimits())


def test_a_template_that_loops_is_stopped_within_the_time_limit(
    helm_helper: Path, repository: Path
) -> None:
    (repository / "charts" / "webapp" / "templates" / "loop.yaml").write_text(
        "{{- range until 100000 }}{{- range until 100000 }}{{- range until 100000 }}"
        "{{- end }}{{- end }}{{- end }}\n"
    )
    limits = RenderLimits(timeout_seconds=5.0)
    # Stopped by the wall clock, or by the CPU limit first when Go's threads run in parallel.
    with pytest.raises(RenderError, match=r"(within|more than) 4 seconds.*a template that loops"):
        render_chart(repository, _helm(helm_helper, **_default()), limits)


def test_a_template_that_allocates_without_bound_is_stopped_by_the_memory_limit(
    helm_helper: Path, repository: Path
) -> None:
    (repository / "charts" / "webapp" / "templates" / "huge.yaml").write_text(
        "{{- $s := until 2000000000 }}{{ len $s }}\n"
    )
    limits = RenderLimits(max_memory_bytes=256 * 2**20)
    with pytest.raises(RenderError, match="Helm ran out of its 256 MiB of memory"):
        render_chart(repository, _helm(helm_helper, **_default()), limits)


def test_lookup_finds_nothing_and_no_plugin_or_cluster_is_reached(
    helm_helper: Path, repository: Path
) -> None:
    (repository / "charts" / "webapp" / "templates" / "lookup.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: looked-up\ndata:\n"
        '  namespaces: {{ lookup "v1" "Namespace" "" "" | len | quote }}\n'
        '  system: {{ lookup "v1" "Namespace" "" "kube-system" | toJson | quote }}\n'
    )
    rendered = render_chart(repository, _helm(helm_helper, **_default()), RenderLimits())
    (found,) = [o for o in rendered.objects if o["metadata"]["name"] == "looked-up"]
    assert found["data"] == {"namespaces": "0", "system": "{}"}
