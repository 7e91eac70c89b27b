"""The generated Dockerfile, built and run for real: the image serves the verified model.

Needs what scripts/test sets up: a Docker daemon, the local base image `mlci-base:bookworm`
(Debian bookworm + python3; no registry is reachable here) and the wheelhouse
`.ci/wheelhouse` (`pip wheel -w .ci/wheelhouse -r .ci/image-requirements.txt`), from which
`mlci deploy context` builds the image's wheels with no index. One build per session: with
the vfs storage driver every step copies the image.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator

import numpy as np
import pytest

from support.commands import REPO_ROOT, mlci
from support.serving import Published

pytestmark = pytest.mark.slow
BASE = "mlci-base:bookworm"
WHEELHOUSE = REPO_ROOT / ".ci" / "wheelhouse"
HEALTHY_TIMEOUT = 240.0
PROBE = """
import json, sys, urllib.request
body = sys.stdin.read().encode()
def post(path):
    request = urllib.request.Request("http://127.0.0.1:8080" + path, data=body,
                                     headers={"content-type": "application/json"})
    return json.load(urllib.request.urlopen(request, timeout=30))
ready = urllib.request.urlopen("http://127.0.0.1:8080/v2/health/ready", timeout=10).status
print(json.dumps({"ready": ready, "mlflow": post("/invocations")}))
"""


def docker(*args: str, input: str | None = None, check: bool = True) -> str:
    proc = subprocess.run(["docker", *args], capture_output=True, text=True, input=input,
                          check=False)
    if check and proc.returncode != 0:
        pytest.fail(f"docker {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n"
                    f"{proc.stderr[-3000:]}")
    return proc.stdout.strip()


def _require_setup() -> None:
    """What scripts/test prepares; missing, the test fails saying how to get it (no skip)."""
    if subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        pytest.fail("no Docker daemon: scripts/test starts one (dockerd --storage-driver vfs "
                    "--iptables=false --ip6tables=false --bridge=none)")
    if not docker("image", "ls", "-q", BASE):
        pytest.fail(f"no {BASE} image: scripts/test builds it (debootstrap bookworm + python3)")
    if not list(WHEELHOUSE.glob("*.whl")):
        pytest.fail(f"no wheels in {WHEELHOUSE}: pip wheel -w .ci/wheelhouse -r "
                    ".ci/image-requirements.txt (scripts/test does it)")


@pytest.fixture(scope="session")
def image(published: Published, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """deploy/Dockerfile built from `mlci deploy context classifier#prod`, offline."""
    _require_setup()
    context = tmp_path_factory.mktemp("image") / "context"
    offline = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(WHEELHOUSE)}
    made = json.loads(mlci("deploy", "context", "classifier#prod", "-o", str(context), "--json",
                           cwd=published.clone, env=offline).stdout)
    assert (made["version"], made["version_tag"], made["stage_tag"]) == ("v0.0.1", "v0.0.1",
                                                                         "prod")
    tag = f"mlci-test-{made['image']}:{uuid.uuid4().hex[:12]}"
    build = ["build", "--quiet", "--network", "none", "--build-arg", f"BASE={BASE}", "--file",
             str(published.clone / "deploy" / "Dockerfile"), str(context)]
    docker(*build, "--tag", tag)
    # the build stage stays behind as an untagged image: name it (from the cache) to remove it
    docker(*build, "--target", "build", "--tag", f"{tag}-build")
    yield tag
    docker("image", "rm", "--force", tag, f"{tag}-build", check=False)


@pytest.fixture
def container(image: str) -> Iterator[str]:
    name = f"mlci-test-{uuid.uuid4().hex[:12]}"
    docker("run", "--detach", "--name", name, "--network", "none", "--health-interval", "1s",
           "--health-start-period", "1s", "--health-retries", "60", image)
    try:
        yield name
    finally:
        docker("rm", "--force", name, check=False)


def _wait_healthy(name: str) -> None:
    deadline = time.monotonic() + HEALTHY_TIMEOUT
    while time.monotonic() < deadline:
        status = docker("inspect", "--format", "{{.State.Health.Status}}", name)
        if status == "healthy":
            return
        if docker("inspect", "--format", "{{.State.Running}}", name) != "true":
            break
        time.sleep(1)
    pytest.fail(f"the container never became healthy\n{docker('logs', name, check=False)}")


def test_image_serves_the_verified_model(published: Published, image: str,
                                         container: str) -> None:
    _wait_healthy(container)  # the image's own HEALTHCHECK on /v2/health/ready
    assert docker("inspect", "--format", "{{.Config.User}}", image) == "10001:10001"
    assert docker("exec", container, "id", "-u") == "10001"
    rows = published.test_rows().head(5)
    body = json.dumps({"dataframe_split": json.loads(rows.to_json(orient="split"))})
    answer = json.loads(docker("exec", "--interactive", container, "/opt/mlci/bin/python",
                               "-c", PROBE, input=body))
    assert answer["ready"] == 200
    np.testing.assert_array_equal(answer["mlflow"]["predictions"],
                                  published.model().predict(rows))
    logs = docker("logs", container, check=False) + subprocess.run(
        ["docker", "logs", container], capture_output=True, text=True).stderr
    assert "serving classifier v0.0.1" in logs and "verified" in logs
    # no pip, no compiler, nothing of the pipeline (DVC) in the image: it only serves
    found = docker("exec", container, "/opt/mlci/bin/python", "-c",
                   "import importlib.util as u; print([m for m in ('pip', 'dvc', 'git') "
                   "if u.find_spec(m)])")
    assert found == "[]"
