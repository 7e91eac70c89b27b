"""The registry grammar and state (pure): literal tables, no git."""

from __future__ import annotations

import pytest

from mlci.project import artifacts
from mlci.registry import modelcard, modeltags, state
from mlci.registry.modeltags import Action, ModelTag
from mlci.registry.semver import SemVer
from mlci.shared.gitrepo import TagRecord


@pytest.mark.parametrize("text, expected", [
    ("model@v1.2.3", ModelTag(Action.REGISTER, "model", SemVer(1, 2, 3))),
    ("model@v1.2.3!", ModelTag(Action.DEREGISTER, "model", SemVer(1, 2, 3))),
    ("model@v1.0.0-rc.1+b5", ModelTag(Action.REGISTER, "model", SemVer(1, 0, 0, "rc.1", "b5"))),
    ("model#prod#3", ModelTag(Action.ASSIGN, "model", stage="prod", counter=3)),
    ("model#prod!#4", ModelTag(Action.UNASSIGN, "model", stage="prod", counter=4)),
    ("model@deprecated", ModelTag(Action.DEPRECATE, "model")),
    ("model@deprecated#7", ModelTag(Action.DEPRECATE, "model", counter=7)),
    ("dir/sub=model@v0.1.0", ModelTag(Action.REGISTER, "dir/sub:model", SemVer(0, 1, 0))),
    ("dir=model#staging#1", ModelTag(Action.ASSIGN, "dir:model", stage="staging", counter=1)),
])
def test_parse_and_format_round_trip(text: str, expected: ModelTag) -> None:
    assert modeltags.parse_tag(text) == expected
    assert modeltags.format_tag(expected) == text


@pytest.mark.parametrize("text", ["v1.2.3", "model@1.2.3", "model@v1.2", "model@v01.2.3",
                                  "model#", "model#prod#x", "-model@v1.0.0", "model@latest",
                                  "release-2024", "model@deprecated!",
                                  # whole-string matches: `$` alone lets a final newline through
                                  "model@v1.0.0\n", "model#prod#1\n", "model#prod\n#1"])
def test_rejected_tag_names(text: str) -> None:
    assert modeltags.parse_tag(text) is None


@pytest.mark.parametrize("lower, higher", [
    ("v0.9.0", "v0.10.0"),
    ("v1.0.0-alpha", "v1.0.0"),
    ("v1.0.0-alpha", "v1.0.0-alpha.1"),
    ("v1.0.0-alpha.1", "v1.0.0-alpha.beta"),
    ("v1.0.0-beta.2", "v1.0.0-beta.11"),
    ("v1.0.0-rc.1", "v1.0.0"),
    ("v1.9.9", "v2.0.0"),
])
def test_semver_precedence(lower: str, higher: str) -> None:
    assert SemVer.parse(lower) < SemVer.parse(higher)
    assert not SemVer.parse(higher) < SemVer.parse(lower)


@pytest.mark.parametrize("start, part, expected", [
    ("v0.0.0", "patch", "v0.0.1"), ("v0.0.0", "minor", "v0.1.0"), ("v0.0.0", "major", "v1.0.0"),
    ("v1.2.3", "minor", "v1.3.0"), ("v1.2.3-rc.1", "patch", "v1.2.4"),
    ("v1.9.9", "major", "v2.0.0"),
])
def test_bump(start: str, part: str, expected: str) -> None:
    assert str(SemVer.parse(start).bump(part)) == expected


@pytest.mark.parametrize("bad", ["1.2.3", "v1.2", "v1.2.3.4", "vx.y.z", "v1.02.3", "",
                                 "v1.2.3\n"])
def test_semver_rejects(bad: str) -> None:
    with pytest.raises(ValueError, match=r"v1\.2\.3"):
        SemVer.parse(bad)


def _tags(*rows: tuple[str, str]) -> list[TagRecord]:
    """(tag, commit) rows; every tag has the SAME date, so only names can order them."""
    return [TagRecord(tag, commit, "2026-01-01T00:00:00+00:00", "") for tag, commit in rows]


def test_stage_holder_is_the_highest_counter_not_the_highest_version() -> None:
    built = state.build(_tags(
        ("m@v1.0.0", "c1"), ("m@v2.0.0", "c2"),
        ("m#prod#1", "c1"), ("m#prod#2", "c2"), ("m#prod#3", "c1"),  # rollback to v1.0.0
    ))
    model = built["m"]
    assert model.stages["prod"].version == "v1.0.0"
    assert model.latest is not None and model.latest.version == "v2.0.0"
    assert model.counter == 3
    assert state.assignment("m", "staging", model).counter == 4


def test_listing_order_of_tags_does_not_matter() -> None:
    rows = [("m@v1.0.0", "c1"), ("m@v2.0.0", "c2"), ("m#prod#2", "c1"), ("m#prod#1", "c2")]
    assert state.build(_tags(*rows)) == state.build(_tags(*reversed(rows)))
    assert state.build(_tags(*rows))["m"].stages["prod"].version == "v1.0.0"


def test_unassignment_hands_the_stage_back() -> None:
    model = state.build(_tags(
        ("m@v1.0.0", "c1"), ("m@v2.0.0", "c2"),
        ("m#prod#1", "c1"), ("m#prod#2", "c2"), ("m#prod!#3", "c2"),
    ))["m"]
    assert model.stages["prod"].version == "v1.0.0"
    assert model.find("v2.0.0") is not None and model.find("v2.0.0").held == ("prod",)


def test_deregistered_version_is_inactive_and_holds_nothing() -> None:
    model = state.build(_tags(
        ("m@v1.0.0", "c1"), ("m@v1.1.0", "c2"), ("m#prod#1", "c2"), ("m@v1.1.0!", "c2"),
    ))["m"]
    assert [v.version for v in model.versions] == ["v1.0.0"]
    assert "prod" not in model.stages
    assert str(state.next_version(model, "patch")) == "v1.1.1"  # v1.1.0's tag still exists


@pytest.mark.parametrize("rows, deprecated", [
    ([("m@v1.0.0", "c1")], False),
    ([("m@v1.0.0", "c1"), ("m@deprecated", "c1")], True),
    ([("m#prod#1", "c1"), ("m@deprecated#2", "c1")], True),
    ([("m@v1.0.0", "c1"), ("m@deprecated#1", "c1"), ("m#prod#2", "c1")], False),
])
def test_deprecation(rows: list[tuple[str, str]], deprecated: bool) -> None:
    assert state.build(_tags(*rows))["m"].deprecated is deprecated


def test_history_orders_by_semver_and_counter() -> None:
    model = state.build(_tags(
        ("m#staging#2", "c2"), ("m@v0.2.0", "c2"), ("m#prod#3", "c1"),
        ("m#staging#1", "c1"), ("m@v0.1.0", "c1"), ("m@v0.3.0", "c3"),
    ))["m"]
    assert [e.tag for e in model.history] == [
        "m@v0.1.0", "m#staging#1", "m@v0.2.0", "m#staging#2", "m#prod#3", "m@v0.3.0",
    ]
    assert [e.version for e in model.history] == ["v0.1.0", "v0.1.0", "v0.2.0", "v0.2.0",
                                                  "v0.1.0", "v0.3.0"]


def test_models_are_kept_apart_and_other_tags_ignored() -> None:
    built = state.build(_tags(("a@v1.0.0", "c1"), ("b@v0.1.0", "c1"), ("v1.0", "c1"),
                                 ("dir=a@v3.0.0", "c2")))
    assert list(built) == ["a", "b", "dir:a"]
    assert built["dir:a"].versions[0].tag == "dir=a@v3.0.0"


@pytest.mark.parametrize("versions, bump, expected", [
    ([], None, "v0.0.1"), ([], "minor", "v0.1.0"), ([], "major", "v1.0.0"),
    (["v0.1.0", "v0.3.0", "v0.2.0"], None, "v0.3.1"), (["v1.0.0-rc.1"], "patch", "v1.0.1"),
])
def test_next_version(versions: list[str], bump: str | None, expected: str) -> None:
    built = state.build(_tags(*[(f"m@{v}", f"c{i}") for i, v in enumerate(versions)]))
    assert str(state.next_version(built.get("m"), bump)) == expected


@pytest.mark.parametrize("held, stage, allowed", [
    ((), "staging", True), ((), "prod", False), (("staging",), "prod", True),
    (("staging",), "qa", False), (("prod",), "prod", False),
])
def test_promotion_path(held: tuple[str, ...], stage: str, allowed: bool) -> None:
    version = state.Version("v1.0.0", SemVer(1, 0, 0), "c1", "m@v1.0.0", "", "", held=held)
    problem = state.stage_error(("staging", "prod"), stage, version)
    assert (problem is None) is allowed
    assert state.stage_error((), stage, version) is None


@pytest.mark.parametrize("stage, expected", [
    ("staging", None),
    ("prod", "a new version can only enter 'staging' first (publish.stages: staging, prod)"),
    ("qa", "stage 'qa' is not in publish.stages (staging, prod)"),
])
def test_a_new_version_enters_the_first_stage(stage: str, expected: str | None) -> None:
    assert state.stage_error(("staging", "prod"), stage) == expected


@pytest.mark.parametrize("text, expected", [
    ("m", modeltags.Ref("m")), ("m@latest", modeltags.Ref("m")),
    ("m@v1.2.3", modeltags.Ref("m", version="v1.2.3")),
    ("m#prod", modeltags.Ref("m", stage="prod")),
    ("dir:m#prod", modeltags.Ref("dir:m", stage="prod")),
])
def test_parse_ref(text: str, expected: modeltags.Ref) -> None:
    assert modeltags.parse_ref(text) == expected


@pytest.mark.parametrize(("name", "name_ok", "stage_ok"), [
    ("classifier", True, True), ("team/clf-2_b", True, True), ("0m", True, True),
    ("dir/sub:m", True, False), ("prod\n", False, False), ("m\nx", False, False),
    ("m${{ github.event.head_commit.message }}", False, False), ("m-", False, False),
    ("", False, False), ("m x", False, False),
])
def test_gto_names_are_matched_whole(name: str, name_ok: bool, stage_ok: bool) -> None:
    assert (modeltags.is_valid_name(name), modeltags.is_valid_stage(name)) == (name_ok, stage_ok)


@pytest.mark.parametrize("bad", ["m@1.2", "m#", "@v1.0.0", "m#-x", "-m", "m#prod\n", "m\n"])
def test_parse_ref_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        modeltags.parse_ref(bad)


def test_model_card_round_trips_through_its_text() -> None:
    card = modelcard.ModelCard(
        name="m", version="v1.0.0", commit="c" * 40, path="models/m.pkl", artifact_md5="ab",
        description="closes --> early?", metrics={"accuracy": 0.97}, params={"train.C": 1.0},
        data={"data/raw.csv": "12"}, gate="gate passed: 2 rules",
    )
    text = modelcard.render(card)
    assert text.startswith("Registering artifact m version v1.0.0\n")
    assert "| accuracy | 0.97 |" in text
    assert text.count("-->") == 2  # the description's and the card line's end, no other
    assert modelcard.parse(text) == card
    assert modelcard.parse("Registering artifact m version v1.0.0") is None


@pytest.mark.parametrize("data, dirname, expected", [
    ({"artifacts": {"clf": {"path": "models/m.pkl", "type": "model"}}}, "",
     {"clf": artifacts.Artifact("clf", "models/m.pkl", "model")}),
    ({"artifacts": {"clf": {"path": "./m.pkl"}}}, "sub",
     {"sub:clf": artifacts.Artifact("sub:clf", "sub/m.pkl")}),
    ({"artifacts": {"clf": {"type": "model"}}}, "", {}),
    ({"stages": {}}, "", {}),
    (None, "", {}),
])
def test_declared_artifacts(data: object, dirname: str,
                            expected: dict[str, artifacts.Artifact]) -> None:
    assert artifacts.declared(data, dirname) == expected
