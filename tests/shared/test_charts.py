"""mlci.shared.charts (pure): palette contrast, y ranges, the Mermaid text, the caption."""

from __future__ import annotations

import pytest

from mlci.shared import charts
from support.contrast import GITHUB_DARK, GITHUB_LIGHT, MERMAID_DARK, MINIMUM, contrast


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("#ffffff", "#000000", 21.0), ("#777", "#777777", 1.0), ("#767676", "#ffffff", 4.54),
    ("rgb(255, 255, 255)", "#ececff", 1.17),  # the invisible trend line
])
def test_contrast_matches_wcag_examples(a: str, b: str, expected: float) -> None:
    assert round(contrast(a, b), 2) == expected


@pytest.mark.parametrize("background", [GITHUB_LIGHT, GITHUB_DARK, MERMAID_DARK])
@pytest.mark.parametrize("colour", charts.PALETTE, ids=lambda c: c.name)
def test_every_palette_colour_reads_on_every_background(colour: charts.Colour,
                                                        background: str) -> None:
    assert contrast(colour.hex, background) >= MINIMUM


def test_palette_names_are_distinct() -> None:
    assert len({c.name for c in charts.PALETTE}) == len({c.hex for c in charts.PALETTE}) == 8


@pytest.mark.parametrize(("names", "expected"), [
    (["base", "head"], "base (blue) vs head (orange)"),
    (["a", "b", "c"], "a (blue), b (orange), c (green)"),
    (["only"], "only (blue)"),
])
def test_legend(names: list[str], expected: str) -> None:
    assert charts.legend(names) == expected


@pytest.mark.parametrize(("values", "min_span", "from_zero", "expected"), [
    # the case: a 0.0006 change near 0.998 stays small (span >= 2% of the value)
    ([0.9983, 0.9977], None, False, (0.976, 1.0, "at least 0.02 wide (2% of the values)")),
    ([0.986, 0.986], charts.MinSpan(0.04, "twice max_drop 0.02"), False,
     (0.952, 1.0, "at least 0.04 wide (twice max_drop 0.02)")),
    ([0.986, 0.986], charts.MinSpan(0.001, "tiny"), False,
     (0.974, 0.998, "at least 0.02 wide (2% of the values)")),  # the larger floor wins
    ([0.0679, 0.0816], None, False, (0.066, 0.083, "the values' range plus margins")),
    ([0.6, 1.0], None, False, (0.52, 1.0, "the values' range plus margins")),  # kept in [0, 1]
    ([0.01, 0.2], None, False, (0.0, 0.23, "the values' range plus margins")),  # not below 0
    ([100, 120], None, False, (98.0, 122.0, "the values' range plus margins")),
    ([-5, -3], None, False, (-5.2, -2.8, "the values' range plus margins")),
    ([-1, 0], None, False, (-1.2, 0.0, "the values' range plus margins")),
    ([0, 0], None, False, (0.0, 1.0, "at least 1 wide (all values are 0)")),
    ([10, 30, 5], None, True, (0.0, 36.0, "the values' range plus margins; from 0")),
    ([1.5e-07, 1.6e-07], None, False, (1.49e-07, 1.61e-07, "the values' range plus margins")),
    ([1.5e-07, 1.501e-07], None, False, (1.482e-07, 1.519e-07, "at least 0.000000003 wide "
                                         "(2% of the values)")),
])
def test_y_axis(values: list[float], min_span: charts.MinSpan | None, from_zero: bool,
                expected: tuple[float, float, str]) -> None:
    axis = charts.y_axis(values, min_span, from_zero=from_zero)
    assert (axis.low, axis.high, axis.reason) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (0.9312, "0.9312"), (1.5e-05, "0.000015"), (-2.5e-07, "-0.00000025"),
    (1e20, "100000000000000000000"),
    (12, "12"), (-0.0, "0"), (1e-18, "0"), (0.1 + 0.2, "0.3"),
])
def test_mermaid_numbers_have_no_exponent(value: float, expected: str) -> None:
    assert charts.number(value) == expected  # xychart's grammar: [+-]?digits[.digits]


def test_one_series_with_category_labels() -> None:
    text = charts.xychart('say "hi"\nthere %%', ['a"b', "c"],
                          [charts.Series("acc", (0.9977, 0.9975))], y_title="acc")
    assert text.split("\n") == [
        "```mermaid",
        '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#2f81f7"}}}}%%',
        "xychart-beta", "    title \"say 'hi' there % %\"", "    x-axis [\"a'b\", \"c\"]",
        '    y-axis "acc" 0.976 --> 1', "    line [0.9977, 0.9975]", "```",
        "<sub>y axis 0.976 to 1: at least 0.02 wide (2% of the values).</sub>"]


def test_two_series_are_named_in_the_title_with_their_colours() -> None:
    text = charts.xychart("ROC curve", charts.XRange("fpr", 0, 1),
                          [charts.Series("base", (0.6, 1.0)), charts.Series("head", (0.7, 1.0))],
                          y_title="tpr", y_range=(0, 1))
    lines = text.split("\n")
    assert '"plotColorPalette": "#2f81f7, #db6d28"' in lines[1]
    assert lines[3:8] == ['    title "ROC curve: base (blue) vs head (orange)"',
                          '    x-axis "fpr" 0 --> 1', '    y-axis "tpr" 0 --> 1',
                          "    line [0.6, 1]", "    line [0.7, 1]"]
    assert lines[-1] == ("<sub>y axis 0 to 1: fixed. Where series coincide, the later one is "
                         "drawn over the earlier.</sub>")


def test_a_long_legend_goes_under_the_chart_escaped() -> None:
    series = [charts.Series(f"run_{i}|x", (float(i),), "bar" if i == 0 else "line")
              for i in range(4)]
    text = charts.xychart("Sweep leaderboard by roc_auc", ["only"], series, horizontal=True)
    lines = text.split("\n")
    assert lines[2:4] == ["xychart-beta horizontal", '    title "Sweep leaderboard by roc_auc"']
    assert lines[-1].startswith("<sub>run\\_0\\|x (blue bar), run\\_1\\|x (orange line), "
                                "run\\_2\\|x (green line), run\\_3\\|x (purple line); y axis 0 to")


@pytest.mark.parametrize(("from_zero", "y_axis"), [
    (None, '    y-axis "" 0 --> 1'),  # bars start at 0 by default
    (False, '    y-axis "" 0.976 --> 1'),  # fitted like lines (at least 2% of the values)
])
def test_bars_start_at_zero_unless_asked(from_zero: bool | None, y_axis: str) -> None:
    series = [charts.Series("roc_auc", (0.9977, 0.9968), "bar")]
    lines = charts.xychart("t", ["a", "b"], series, from_zero=from_zero).split("\n")
    assert lines[5] == y_axis and lines[6] == "    bar [0.9977, 0.9968]"


@pytest.mark.parametrize(("x_axis", "series", "message"), [
    (["a"], [], "a chart takes 1 to 8 series, got 0"),
    (["a"], [charts.Series(str(i), (1.0,)) for i in range(9)], "1 to 8 series, got 9"),
    (["a"], [charts.Series("a", (1.0,)), charts.Series("b", (1.0, 2.0))], "same number"),
    (["a"], [charts.Series("a", ())], "same number of values, got [0]"),
    (["a", "b"], [charts.Series("a", (1.0,))], "2 x labels for 1 values"),
    (["a"], [charts.Series("a", (float("nan"),))], "finite"),
])
def test_bad_input_is_a_value_error(x_axis: list[str], series: list[charts.Series],
                                    message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        charts.xychart("t", x_axis, series)
