"""``microgrid walkthrough NAME``: --list, every walkthrough in both languages, --out, the
backprop-only options, and ``--blog`` against the blog's printed numbers and plain floats."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from microgrid.app.cli import main
from microgrid.app.walkthroughs import WALKTHROUGHS, get

OTHERS = [name for name in WALKTHROUGHS if name != "backprop"]


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(["walkthrough", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_list_names_every_walkthrough_with_its_seed(capsys):
    status, out, _ = run(capsys, "--list")
    assert status == 0
    names = [line.split()[0] for line in out.splitlines()]
    assert names == list(WALKTHROUGHS)
    assert set(names) >= {"backprop", "softmax-ce", "pooling", "batchnorm", "chain", "neuron"}
    assert {"l2", "optimizers"} <= set(names) and "(default)" in out
    _, zh, _ = run(capsys, "--list", "--lang", "zh")
    assert "(默认)" in zh and "归一化" in zh


@pytest.mark.parametrize("name", OTHERS)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_walkthrough_runs_from_the_command_line(capsys, name, lang):
    status, out, err = run(capsys, name, "--lang", lang, "--digits", "4")
    assert status == 0 and err == ""
    title = get(name).load().TEXT[lang]["title"]
    assert out.splitlines()[0] == title
    assert re.search(r"\d\.\d{4}\b", out) and not re.search(r"\d\.\d{5,}", out)


@pytest.mark.parametrize("name", OTHERS)
def test_out_writes_pictures_and_a_stepper(capsys, tmp_path, name):
    target = tmp_path / name
    status, out, _ = run(capsys, name, "--out", str(target))
    assert status == 0
    pngs, pages = sorted(target.glob("*.png")), sorted(target.glob("*.html"))
    assert pngs and pages
    for png in pngs:
        assert png.read_bytes().startswith(b"\x89PNG")
        assert png.with_suffix(".svg").read_bytes().lstrip().startswith(b"<?xml")
    for page in pages:
        assert '{"p":1,' in page.read_text(encoding="utf-8")  # backward-pass frames
    written = len(list(target.iterdir()))
    assert f"wrote {written} files to {target}" in out


@pytest.mark.parametrize(
    "flag", [["--steps", "3"], ["--blog"], ["--lr", "0.1"], ["--update-biases"]]
)
def test_backprop_options_are_refused_elsewhere(capsys, flag):
    status, out, err = run(capsys, "neuron", *flag)
    assert status == 2 and out == ""
    assert f"{flag[0]} applies only to the backprop walkthrough, not 'neuron'" in err


def test_unknown_name_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["walkthrough", "dropout"])
    assert exit_.value.code == 2
    assert "invalid choice: 'dropout'" in capsys.readouterr().err


# ---------------------------------------------------------------------------- the blog's numbers
def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def blog_training(steps: int) -> tuple[float, float, float]:
    """The blog's update in plain floats: hidden deltas through the *updated* w5..w8."""
    w = {"w1": 0.15, "w2": 0.2, "w3": 0.25, "w4": 0.3, "w5": 0.4, "w6": 0.45, "w7": 0.5}
    w["w8"] = 0.55
    i1, i2, t1, t2, b1, b2, eta = 0.05, 0.1, 0.01, 0.99, 0.35, 0.6, 0.5

    def forward():
        h1 = sigmoid(w["w1"] * i1 + w["w2"] * i2 + b1)
        h2 = sigmoid(w["w3"] * i1 + w["w4"] * i2 + b1)
        return (
            h1,
            h2,
            sigmoid(w["w5"] * h1 + w["w6"] * h2 + b2),
            sigmoid(w["w7"] * h1 + w["w8"] * h2 + b2),
        )

    for _ in range(steps):
        h1, h2, o1, o2 = forward()
        d1, d2 = -(t1 - o1) * o1 * (1 - o1), -(t2 - o2) * o2 * (1 - o2)
        for k, (d, h) in {"w5": (d1, h1), "w6": (d1, h2), "w7": (d2, h1), "w8": (d2, h2)}.items():
            w[k] -= eta * d * h
        dh1 = (d1 * w["w5"] + d2 * w["w7"]) * h1 * (1 - h1)
        dh2 = (d1 * w["w6"] + d2 * w["w8"]) * h2 * (1 - h2)
        for k, (d, x) in {
            "w1": (dh1, i1),
            "w2": (dh1, i2),
            "w3": (dh2, i1),
            "w4": (dh2, i2),
        }.items():
            w[k] -= eta * d * x
    _, _, o1, o2 = forward()
    return 0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2, o1, o2


def test_default_says_why_the_blog_differs(capsys):
    _, out, _ = run(capsys)
    assert "The blog the seed cites reports E_total = 0.291027924 after this step" in out
    assert "the engine gives 0.291027774" in out and "--blog" in out
    _, zh, _ = run(capsys, "--lang", "zh")
    assert "误差 (平方误差的一半, 两个输出相加而不是求平均)" in zh and "均方误差的一半" not in zh


def test_blog_variant_reproduces_the_blogs_first_step(capsys):
    status, out, _ = run(capsys, "--blog", "--digits", "15")
    assert status == 0
    after = float(re.search(r"E_total after one step: (\d\.\d+)", out).group(1))
    assert after == pytest.approx(blog_training(1)[0], abs=1e-13)
    assert round(after, 9) == 0.291027924  # the blog's printed number
    assert "(the blog reports 0.291027924)" in out


def test_blog_variant_reproduces_the_blogs_ten_thousand_steps(capsys):
    status, out, _ = run(capsys, "--blog", "--steps", "10000", "--digits", "15")
    assert status == 0
    error = float(re.search(r"E_total after 10000 steps: (\S+)", out).group(1))
    o1, o2 = (
        float(re.search(rf"^\s+{k} =\s+(\S+)\s+target", out, re.M).group(1))
        for k in ("out_o1", "out_o2")
    )
    assert "(the blog reports out_o1 = 0.015912196, out_o2 = 0.984065734 after 10,000" in out
    e_ref, o1_ref, o2_ref = blog_training(10000)
    assert error == pytest.approx(e_ref, rel=1e-9)
    assert (o1, o2) == pytest.approx((o1_ref, o2_ref), abs=1e-12)
    # the blog's printed outputs, to every digit it prints
    assert (round(o1, 9), round(o2, 9)) == (0.015912196, 0.984065734)


def test_readme_excerpts_are_what_each_walkthrough_prints(capsys):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## More derivations")[1].split("\n## ")[0]
    parts = re.findall(r"### `([\w-]+)`.*?```text\n(.*?)```", section, re.S)
    assert [name for name, _ in parts] == OTHERS
    for name, excerpt in parts:
        _, out, _ = run(capsys, name)
        printed = out.splitlines()
        for line in excerpt.rstrip("\n").splitlines():
            assert line in printed, (name, line)


@pytest.mark.parametrize("name", OTHERS)
def test_bad_language_or_digits_get_a_clear_error(name):
    module = get(name).load()
    with pytest.raises(ValueError, match=r"lang must be one of en, zh, got 'fr'"):
        module.walkthrough(lambda line: None, lang="fr")
    with pytest.raises(ValueError, match=r"digits must be a whole number from 1 to 17, got 0"):
        module.walkthrough(lambda line: None, digits=0)
    with pytest.raises(KeyError, match="no walkthrough named 'dropout': choose one of backprop"):
        get("dropout")
