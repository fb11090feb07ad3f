"""End to end with ``trueup serve``: a new tag in the registry becomes a commit, and the
commit becomes the Deployment's pods on the dev-cluster."""

from __future__ import annotations

import itertools
import time

import pytest
import yaml

from tests.integration.daemon.serving import WAIT, Served
from tests.integration.engine.helpers import APP, PATH, SECRET, SOURCE, World
from tests.servers.registry_images import ImageRegistry

pytestmark = pytest.mark.cluster

_names = itertools.count()

MARKED = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: IMAGE:1.0.0 # {"$imagepolicy": "default:web"}
"""


def pod_images(world: World) -> list[str]:
    text = world.kubectl(
        "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.containers[0].image}"
    )
    return text.split()


def test_a_new_tag_is_committed_deployed_and_run(
    world: World, image_registry: ImageRegistry
) -> None:
    name = f"org/deployed{next(_names)}"
    image = f"{image_registry.host}/{name}"
    image_registry.pusher.image(name, "1.0.0")
    world.commit("the web app", {f"{PATH}/deployment.yaml": MARKED.replace("IMAGE", image)})
    docs = world.documents()
    for doc in docs:
        if doc["kind"] == "GitSource" and doc["metadata"]["name"] == SOURCE:
            doc["spec"].update({"interval": "1m", "write": {"secretRef": {"name": SECRET}}})
    docs += [
        {"apiVersion": "trueup.dev/v1alpha1", "kind": "ImageRepository",
         "metadata": {"name": "web"},
         "spec": {"image": image, "insecure": True, "interval": "1s", "timeout": "5s"}},
        {"apiVersion": "trueup.dev/v1alpha1", "kind": "ImagePolicy", "metadata": {"name": "web"},
         "spec": {"imageRepository": "web", "policy": {"semver": {"range": "1.x"}}}},
        {"apiVersion": "trueup.dev/v1alpha1", "kind": "ImageUpdate", "metadata": {"name": "deploy"},
         "spec": {"source": SOURCE, "path": PATH, "interval": "1h",
                  "commit": {"author": {"name": "Image Bot", "email": "images@example.test"}}}},
    ]  # fmt: skip
    world.config.write_text(yaml.safe_dump_all(docs))
    served = Served(world)
    try:
        served.reconciled()
        assert world.names("deployment") == {APP}
        mark = served.mark()

        image_registry.pusher.image(name, "1.1.0")
        image_registry.pusher.image(name, "2.0.0")  # outside the range

        updated = served.wait_for(lambda e: e["event"] == "image.updated", "the commit", after=mark)
        commit = updated["commit"]
        assert f"{image}:1.0.0 → {image}:1.1.0" in updated["message"]
        reconciled = served.reconciled(after=mark, trigger="daemon:image-update")
        assert reconciled["revision"] == world.revision(commit)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            images = pod_images(world)
            if images and set(images) == {f"{image}:1.1.0"}:
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f"the pods never ran {image}:1.1.0: {pod_images(world)}")
        live = world.live("deployment", APP)
        assert live is not None
        assert live["spec"]["template"]["spec"]["containers"][0]["image"] == f"{image}:1.1.0"
    finally:
        served.stop()
