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


@pytest.mark.parametrize(("text", "expected"), [
    ("", ("github", "gitlab")),
    ("ci:\n  forges: github\n", ("github",)),
    ("ci:\n  forges: [gitlab, github]\n", ("gitlab", "github")),
])
def test_forges_default_to_both(text: str, expected: tuple[str, ...]) -> None:
    assert parse(text).ci.forges == expected


@pytest.mark.parametrize(("text", "message"), [
    ("ci:\n  forges: [github, bitbucket]\n",
     "mlci.yaml:2: ci.forges[1]: expected 'github' or 'gitlab', got 'bitbucket'"),
    ("ci:\n  forges: []\n", "mlci.yaml:2: ci.forges: expected at least one entry"),
])
def test_forges_are_checked(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(text)
    assert caught.value.message == message


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
         "known keys: default_branch, metrics, publish, ci, sweep, monitor, deploy, privacy"),
        ("privacy:\n  allow:\n    - column: email\n",
         "mlci.yaml:2: privacy.allow[0]: missing key 'path'", None),
        ("privacy:\n  min_share: 10\n", "mlci.yaml:2: privacy.min_share: expected 0 to 1, got 10",
         "a share between 0 and 1, e.g. 0.1 for 10%"),
        ("privacy:\n  min_distinct_hits: 2.5\n",
         "mlci.yaml:2: privacy.min_distinct_hits: expected a whole number, got 2.5", None),
        ("privacy:\n  min_distinct_hits: 0\n",
         "mlci.yaml:2: privacy.min_distinct_hits: expected at least 1, got 0",
         "a whole number, at least 1"),
        ("privacy:\n  hash: ['']\n", "mlci.yaml:2: privacy.hash[0]: not valid here: ''",
         "a non-empty name"),
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


def test_privacy_section_is_typed() -> None:
    cfg = parse("privacy:\n  allow:\n    - {path: data/users.csv, column: email}\n"
                "    - {path: 'logs/*.txt'}\n  exclude: [email]\n  hash: [user_id]\n"
                "  min_distinct_hits: 3\n  min_share: 0.5\n")
    assert cfg.privacy == config.PrivacyConfig(
        allow=(config.PrivacyAllow("data/users.csv", "email"), config.PrivacyAllow("logs/*.txt")),
        exclude=("email",), hash=("user_id",), min_distinct_hits=3, min_share=0.5)
    assert parse("").privacy == config.PrivacyConfig()  # nothing allowed, 5 hits, 10%


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
        # GitHub refuses the GITHUB_ prefix in any case
        ("ci:\n  dvc_remote_secrets: [github_token]\n",
         "mlci.yaml:2: ci.dvc_remote_secrets[0]: not valid here: 'github_token'"),
        ("ci:\n  dvc_remote_secrets: [X, GitHub_Pat]\n",
         "mlci.yaml:2: ci.dvc_remote_secrets[1]: not valid here: 'GitHub_Pat'"),
        # stages reach the publish job: a newline would be a new line of the workflow
        ("publish:\n  stages: [staging, \"prod\\n\"]\n",
         "mlci.yaml:2: publish.stages[1]: not valid here: 'prod\\n'"),
        ("publish:\n  compare_to: \"prod\\n      - run: env\"\n",
         "mlci.yaml:2: publish.compare_to: not valid here: 'prod\\n      - run: env'"),
        ("publish:\n  compare_to: 'p${{ github.event.head_commit.message }}'\n",
         "mlci.yaml:2: publish.compare_to: not valid here: "
         "'p${{ github.event.head_commit.message }}'"),
        ("default_branch: \"main\\n\"\n", "mlci.yaml:1: default_branch: not valid here: 'main\\n'"),
    ],
)
def test_values_that_reach_generated_workflows_are_checked(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(text)
    assert caught.value.message == message
    assert caught.value.hint


@pytest.mark.parametrize("stages", [["staging", "prod"], ["pre-prod_1/a", "0eu"]])
def test_gto_stage_names_pass(stages: list[str]) -> None:
    cfg = parse(f"publish:\n  compare_to: {stages[-1]}\n  stages: [{', '.join(stages)}]\n")
    assert cfg.publish.stages == tuple(stages) and cfg.publish.compare_to == stages[-1]


@pytest.mark.parametrize("branch", ["main", "release/1.x", "feature_a-b.2"])
def test_ordinary_branch_names_pass(branch: str) -> None:
    assert parse(f"default_branch: {branch}\n").default_branch == branch


def test_publish_branches_may_be_glob_patterns() -> None:
    cfg = parse("publish:\n  branches: [main, 'release/*', 'hotfix-[0-9]*']\n")
    assert cfg.publish.branches == ("main", "release/*", "hotfix-[0-9]*")


def test_monitor_section_is_typed_and_performance_uses_the_gate_grammar() -> None:
    cfg = parse("monitor:\n  classifier:\n    reference: data/prepared/train.csv\n"
                "    target: target\n    drift_share: 0.3\n    stattest: {age: psi}\n"
                "    columns: {exclude: [id], categorical: [zip]}\n"
                "    performance: {accuracy: {min: 0.9, max_drop: 0.05}}\n"
                "    retrain: {run: dvc update data/raw.csv.dvc}\n")
    watched = cfg.monitor["classifier"]
    assert (watched.reference, watched.target, watched.drift_share) == (
        "data/prepared/train.csv", "target", 0.3)
    assert watched.schedule == "17 3 * * *" and watched.stattest == {"age": "psi"}
    assert watched.columns.exclude == ("id",) and watched.columns.categorical == ("zip",)
    assert watched.performance["accuracy"] == config.MetricPolicy(min=0.9, max_drop=0.05)
    assert watched.retrain.run == "dvc update data/raw.csv.dvc"


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ("monitor:\n  classifier:\n    target: y\n",
         "mlci.yaml:2: monitor.classifier: missing key 'reference'",
         "the model's training data (a DVC output or git file), e.g. reference: "
         "data/prepared/train.csv"),
        ("monitor:\n  m:\n    reference: x.csv\n    drift_share: 1.5\n",
         "mlci.yaml:4: monitor.m.drift_share: expected 0 to 1, got 1.5",
         "a share between 0 and 1, e.g. 0.1 for 10%"),
        ("monitor:\n  m:\n    reference: x.csv\n    schedule: 'daily'\n",
         "mlci.yaml:4: monitor.m.schedule: not valid here: 'daily'",
         'five cron fields, minute hour day month weekday (UTC), e.g. "17 3 * * *"'),
        ("monitor:\n  m:\n    reference: x.csv\n    stattest: {age: t-test}\n",
         "mlci.yaml:4: monitor.m.stattest.age: expected 'ks' or 'chisquare' or 'z' or "
         "'wasserstein' or 'jensenshannon' or 'psi', got 't-test'", None),
        ("monitor:\n  m:\n    reference: x.csv\n    performance:\n      f1: {minimum: 1}\n",
         "mlci.yaml:5: monitor.m.performance.f1.minimum: unknown key",
         "known keys: direction, min, max, max_drop, max_rise"),
        ("privacy: {hash: email}\n", "mlci.yaml:1: privacy.hash: expected a list, got 'email'",
         None),
    ],
)
def test_monitor_errors_name_line_key_and_problem(text: str, message: str,
                                                  hint: str | None) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(text)
    assert (caught.value.message, caught.value.hint) == (message, hint)


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
])
def test_deploy_and_privacy_values_are_checked(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse(text)


METRICS = "metrics:\n  roc_auc: {direction: higher}\n  f1: {min: 0.5}\n"


def test_sweep_is_typed_and_keeps_the_grid_order() -> None:
    cfg = parse(METRICS + "sweep:\n  params:\n    train.C: [0.1, 1]\n    prepare.test_size: [0.2]"
                "\n    train.solver: [lbfgs, true]\n  rank_by: roc_auc\n")
    assert cfg.sweep == config.SweepConfig(
        {"train.C": (0.1, 1), "prepare.test_size": (0.2,), "train.solver": ("lbfgs", True)},
        "roc_auc", 8)
    assert [type(v) for v in cfg.sweep.params["train.C"]] == [float, int]
    assert parse("").sweep is None


@pytest.mark.parametrize(
    ("sweep", "message", "hint"),
    [
        ("  params: {train.C: [0.1]}\n  rank_by: accuracy\n",
         "mlci.yaml:6: sweep.rank_by: 'accuracy' is not a metric of metrics:",
         "name one of: roc_auc, f1 (or add it to metrics: with a direction)"),
        ("  params: {train.C: [0.1]}\n  rank_by: f1\n",
         "mlci.yaml:6: sweep.rank_by: metric 'f1' has no direction",
         "set metrics.f1.direction to higher or lower"),
        ("  params: {train.C: [0.1]}\n", "mlci.yaml:4: sweep: missing key 'rank_by'",
         "name the metric of metrics: that orders the leaderboard, e.g. rank_by: roc_auc"),
        ("  rank_by: roc_auc\n", "mlci.yaml:4: sweep: missing key 'params'",
         "e.g. params: {train.C: [0.1, 1.0]} (a list of values per params.yaml key)"),
        ("  params: {}\n  rank_by: roc_auc\n", "mlci.yaml:5: sweep.params: expected at least "
         "one entry", "e.g. params: {train.C: [0.1, 1.0]} (a list of values per params.yaml key)"),
        ("  params: {train.C: 0.1}\n  rank_by: roc_auc\n",
         "mlci.yaml:5: sweep.params.train.C: expected a nonempty list of values, got 0.1",
         "e.g. train.C: [0.1, 0.3, 1.0]"),
        ("  params: {train.C: [0.1, 0.1]}\n  rank_by: roc_auc\n",
         "mlci.yaml:5: sweep.params.train.C[1]: 0.1 is listed twice", None),
        ("  params: {train.C: ['a b']}\n  rank_by: roc_auc\n",
         "mlci.yaml:5: sweep.params.train.C[0]: not valid here: 'a b'",
         "sweep values are numbers, booleans or strings of letters, digits, '.', '_', '+', "
         "'/' and '-'"),
        ("  params: {train.C: [null]}\n  rank_by: roc_auc\n",
         "mlci.yaml:5: sweep.params.train.C[0]: expected a number, boolean or string, got None",
         None),
        ("  params: {'train C; rm': [1]}\n  rank_by: roc_auc\n",
         "mlci.yaml:5: sweep.params.train C; rm: not valid here: 'train C; rm'",
         "a params.yaml key as `mlci repro -S` takes it, e.g. train.C or params.yaml:train.C"),
        ("  params: {train.C: [1]}\n  rank_by: roc_auc\n  max_parallel: 0\n",
         "mlci.yaml:7: sweep.max_parallel: expected at least 1, got 0",
         "a whole number of jobs, at least 1"),
        ("  params: {train.C: [1]}\n  rank_by: roc_auc\n  max_parallel: 2.5\n",
         "mlci.yaml:7: sweep.max_parallel: expected a whole number, got 2.5", None),
        ("  params:\n    a: [" + ", ".join(map(str, range(17))) + "]\n    b: ["
         + ", ".join(map(str, range(16))) + "]\n  rank_by: roc_auc\n",
         "mlci.yaml:5: sweep.params: 272 combinations, over the CI matrix limit of 256",
         "sweep fewer values, or split the grid"),
    ],
)
def test_sweep_errors_name_line_key_and_problem(sweep: str, message: str,
                                                hint: str | None) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(METRICS + "sweep:\n" + sweep)
    assert (caught.value.message, caught.value.hint) == (message, hint)
