"""mlci.yaml validation: literal tables of input text and the exact error."""

from __future__ import annotations

import re

import pytest

from mlci import config
from mlci.errors import ConfigError
from mlci.shared.files import parse_yaml


def parse(text: str) -> config.Config:
    return config.parse(parse_yaml(text, "mlci.yaml"))


def test_empty_file_gives_defaults() -> None:
    cfg = parse("")
    assert cfg == config.Config()
    assert cfg.default_branch == "main"
    assert cfg.ci.runs_on == ("ubuntu-latest",)
    assert cfg.publish.branches == ("main",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ci:\n  runs_on: self-hosted\n", ("self-hosted",)),
        ("ci:\n  runs_on: [self-hosted, gpu]\n", ("self-hosted", "gpu")),
    ],
)
def test_runs_on_accepts_one_label_or_a_list(text: str, expected: tuple[str, ...]) -> None:
    assert parse(text).ci.runs_on == expected


def test_metric_policy_is_typed() -> None:
    cfg = parse("metrics:\n  test.f1: {direction: higher, min: 0.8, max_drop: 1}\n")
    policy = cfg.metrics["test.f1"]
    assert (policy.direction, policy.min, policy.max_drop, policy.max) == ("higher", 0.8, 1.0, None)


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ("metrics:\n  accuracy:\n    min: high\n",
         "mlci.yaml:3: metrics.accuracy.min: expected a number, got 'high'", None),
        ("metrics:\n  accuracy: {direction: up}\n",
         "mlci.yaml:2: metrics.accuracy.direction: expected 'higher' or 'lower', got 'up'", None),
        ("metrics:\n  accuracy:\n    minimum: 1\n",
         "mlci.yaml:3: metrics.accuracy.minimum: unknown key",
         "known keys: direction, min, max, max_drop, max_rise"),
        ("default_brnch: main\n", "mlci.yaml:1: default_brnch: unknown key",
         "known keys: default_branch, metrics, publish, ci, deploy, privacy"),
        ("ci:\n  python: 3.10\n", "mlci.yaml:2: ci.python: expected a string, got 3.1",
         'quote the version, e.g. python: "3.10" (unquoted, 3.10 reads as the number 3.1)'),
        ("publish:\n  branches: main\n",
         "mlci.yaml:2: publish.branches: expected a list, got 'main'", None),
        ("ci:\n  dvc_remote_secrets: [AWS_KEY, 3]\n",
         "mlci.yaml:2: ci.dvc_remote_secrets[1]: expected a string, got 3", None),
        ("metrics: [accuracy]\n", "mlci.yaml:1: metrics: expected a mapping, got ['accuracy']",
         None),
    ],
)
def test_errors_name_line_key_and_problem(text: str, message: str, hint: str | None) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(text)
    assert caught.value.message == message
    assert caught.value.hint == hint


def test_malformed_yaml_names_file_and_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse("metrics:\n  accuracy: {direction: higher\n")
    assert caught.value.message.startswith("mlci.yaml:3:")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("default_branch: 'main: x'\n", "mlci.yaml:1: default_branch: not valid here: 'main: x'"),
        ("default_branch: '-main'\n", "mlci.yaml:1: default_branch: not valid here: '-main'"),
        ("default_branch: 'a..b'\n", "mlci.yaml:1: default_branch: not valid here: 'a..b'"),
        ("publish:\n  branches: [main, 'rel #1']\n",
         "mlci.yaml:2: publish.branches[1]: not valid here: 'rel #1'"),
        ("ci:\n  python: '3.11; rm -rf /'\n",
         "mlci.yaml:2: ci.python: not valid here: '3.11; rm -rf /'"),
        ("ci:\n  runs_on: [self-hosted, 'gpu x']\n",
         "mlci.yaml:2: ci.runs_on[1]: not valid here: 'gpu x'"),
        ("ci:\n  runs_on: []\n", "mlci.yaml:2: ci.runs_on: expected at least one entry"),
        ("ci:\n  dvc_remote_secrets: [GITHUB_TOKEN]\n",
         "mlci.yaml:2: ci.dvc_remote_secrets[0]: not valid here: 'GITHUB_TOKEN'"),
        ("ci:\n  dvc_remote_secrets: [AWS-KEY]\n",
         "mlci.yaml:2: ci.dvc_remote_secrets[0]: not valid here: 'AWS-KEY'"),
    ],
)
def test_values_that_reach_generated_workflows_are_checked(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(text)
    assert caught.value.message == message
    assert caught.value.hint


@pytest.mark.parametrize("branch", ["main", "release/1.x", "feature_a-b.2"])
def test_ordinary_branch_names_pass(branch: str) -> None:
    assert parse(f"default_branch: {branch}\n").default_branch == branch


def test_publish_branches_may_be_glob_patterns() -> None:
    cfg = parse("publish:\n  branches: [main, 'release/*', 'hotfix-[0-9]*']\n")
    assert cfg.publish.branches == ("main", "release/*", "hotfix-[0-9]*")


@pytest.mark.parametrize(("text", "stages"), [
    ("", ("prod",)),  # no publish.stages: publish.compare_to
    ("publish: {stages: [staging, prod]}\n", ("prod",)),
    ("publish: {stages: [staging, prod]}\ndeploy: {stages: [staging]}\n", ("staging",)),
    ("publish: {compare_to: null}\n", ()),
])
def test_deploy_stages_default_to_the_last_publish_stage(text: str,
                                                         stages: tuple[str, ...]) -> None:
    assert config.deploy_stages(parse(text)) == stages


@pytest.mark.parametrize(("text", "message"), [
    ("deploy: {command: \"kubectl apply\\nrm -rf /\"}\n", "deploy.command: not valid here"),
    ("deploy: {command: \"echo ${{ secrets.X }}\"}\n", "deploy.command: not valid here"),
    ("deploy: {stages: [\"prod\\n\"]}\n", "deploy.stages[0]: not valid here"),
    ("deploy: {base_image: \"python:3.11\"}\n", "deploy.base_image: not valid here"),
    ("deploy: {secrets: [GITHUB_TOKEN]}\n", "deploy.secrets[0]: not valid here"),
    ("privacy: {exclude: email}\n", "privacy.exclude: expected a list"),
])
def test_deploy_and_privacy_values_are_checked(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse(text)


def test_privacy_columns() -> None:
    cfg = parse("privacy:\n  exclude: [email]\n  hash: [customer_id]\n  allow: ['a.csv:x']\n")
    assert (cfg.privacy.exclude, cfg.privacy.hash, cfg.privacy.allow) == (
        ("email",), ("customer_id",), ("a.csv:x",))
