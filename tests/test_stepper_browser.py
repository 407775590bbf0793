"""stepper.html in headless Chromium: readable and following at 1280x800, true, keys, drag, zoom.

Needs Debian's ``chromium`` at /usr/bin/chromium (``.ci/run`` installs it) and the Python
``playwright`` package; skipped with the reason when either is missing. Never downloads a browser.
"""

from __future__ import annotations

import io
import os

import pytest

from microgrid.app.worked_example import WorkedExample
from viz import labels
from viz.stepper import Stepper

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # seconds per test: the slow tier

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not os.path.exists(CHROMIUM):
    pytest.skip(
        f"headless browser test needs {CHROMIUM} (apt install chromium)", allow_module_level=True
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")

# The active node's texts: their on-screen boxes, and the stage's box.
MEASURE = """() => {
  const id = document.body.dataset.active;
  const stage = document.getElementById("stage").getBoundingClientRect();
  if (!id) { return null; }
  const texts = [...document.getElementById(id).querySelectorAll("text")];
  return {stage: [stage.left, stage.top, stage.right, stage.bottom],
          texts: texts.map(t => { const r = t.getBoundingClientRect();
                                  return [r.left, r.top, r.right, r.bottom, r.height]; })};
}"""


@pytest.fixture(scope="module")
def worked(tmp_path_factory):
    ex = WorkedExample()
    ex.backward()  # grads already filled: the page must still show the true ones
    s = Stepper(ex.E_total, params=ex.parameters(biases=True), title="worked example")
    path = tmp_path_factory.mktemp("stepper") / "stepper.html"
    s.write(path)
    return s, path


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def open_page(browser, path, width=1280, height=800):
    page = browser.new_page(viewport={"width": width, "height": height})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    return page, problems, requests


def jump(page, k):
    page.fill("#slider", str(k))
    page.dispatch_event("#slider", "input")


def test_every_frame_readable_and_in_view_at_1280x800(browser, worked):
    s, path = worked
    page, problems, requests = open_page(browser, path)
    for k, frame in enumerate(s.plan.frames):
        jump(page, k)
        assert page.get_attribute("body", "data-frame") == str(k)
        box = page.evaluate(MEASURE)
        if frame.node is None:
            assert box is None
            continue
        left, top, right, bottom = box["stage"]
        for x0, y0, x1, y1, height in box["texts"]:
            assert height >= 11, (k, frame.caption, height)
            assert left <= x0 and x1 <= right and top <= y0 and y1 <= bottom, (k, frame.caption)
    assert not problems, problems
    assert all(url.startswith("file://") for url in requests), requests


def test_last_frame_shows_the_true_gradients(browser, worked):
    s, path = worked
    page, problems, _ = open_page(browser, path)
    page.keyboard.press("End")
    shown = page.evaluate(
        "() => [...document.querySelectorAll('#picture text[data-g]')]"
        ".map(t => [+t.dataset.g, t.textContent])"
    )
    fresh = WorkedExample()
    fresh.backward()
    truth = {v.label: v.grad for v in fresh.values.values()}
    assert len(shown) == sum(1 for v in s.plan.order if v.op != "const")
    for i, text in shown:
        v = s.plan.order[i]
        expected = truth.get(v.label, s.plan.grads[v]) if v.label else s.plan.grads[v]
        assert text == labels.fmt_number(expected)
    assert "every gradient is final" in page.text_content("#caption")
    assert f"dE_total/dw5 = {fresh.w5.grad:.4f}" in page.text_content("#caption")
    first_grad = page.evaluate("() => document.querySelector('#picture text[data-g]').textContent")
    page.keyboard.press("Home")  # frame 0: nothing computed yet
    assert page.evaluate("() => document.querySelector('#picture text[data-g]').textContent") != (
        first_grad
    )
    assert not problems, problems


def test_keys_slider_play_zoom_and_drag(browser, worked, tmp_path):
    s, path = worked
    page, problems, _ = open_page(browser, path)
    counter = lambda: int(page.text_content("#counter").split()[0])  # noqa: E731
    assert counter() == 1 and page.text_content("#caption").startswith("Forward pass 0/27")
    page.keyboard.press("ArrowRight")
    assert counter() == 2 and page.text_content("#caption").startswith("Forward pass 1/27")
    page.keyboard.press("End")
    assert counter() == 56
    page.click("#prev")
    assert counter() == 55 and "dE_total/di2 +=" in page.text_content("#caption")
    page.keyboard.press("ArrowLeft")
    assert counter() == 54
    jump(page, 30)
    assert counter() == 31 and page.get_attribute("#phase", "class") == "backward"

    # Space plays even right after a button was clicked (it must not press that button again)
    page.click("#first")
    page.keyboard.press("Space")
    page.wait_for_function("document.body.dataset.frame !== '0'", timeout=10_000)
    page.keyboard.press("Space")  # pause
    paused_at = page.get_attribute("body", "data-frame")
    page.wait_for_timeout(1600)
    assert page.get_attribute("body", "data-frame") == paused_at
    page.click("#play")
    page.wait_for_function(f"document.body.dataset.frame !== '{paused_at}'", timeout=10_000)
    page.click("#play")

    page.wait_for_timeout(400)  # let the follow animation settle
    scale = float(page.get_attribute("body", "data-scale"))
    page.keyboard.press("+")
    assert float(page.get_attribute("body", "data-scale")) > scale
    page.click("#zoomout")
    page.click("#zoomout")
    assert float(page.get_attribute("body", "data-scale")) < scale

    before = page.get_attribute("#picture", "viewBox").split()
    page.mouse.move(600, 500)
    page.mouse.down()
    page.mouse.move(400, 450, steps=5)
    page.mouse.up()
    after = page.get_attribute("#picture", "viewBox").split()
    assert float(after[0]) > float(before[0]) and float(after[1]) > float(before[1])

    page.keyboard.press("o")  # the whole graph fits, width and height
    page.wait_for_timeout(500)
    fits = page.evaluate(
        """() => { const g = document.getElementById("graph0").getBoundingClientRect();
                   const s = document.getElementById("stage").getBoundingClientRect();
                   return g.left >= s.left - 1 && g.right <= s.right + 1 &&
                          g.top >= s.top - 1 && g.bottom <= s.bottom + 1; }"""
    )
    assert fits
    page.keyboard.press("l")
    assert page.is_hidden("#legend")
    shot = page.screenshot(path=str(tmp_path / "stepper.png"))
    assert _pixel_spread(shot) > 100  # a blank page would have (almost) no spread
    assert not problems, problems


def test_chinese_page_and_a_bigger_graph(browser, tmp_path):
    from microgrid import nn

    model = nn.MLP(2, [4, 4, 1], activation="tanh", seed=1)
    out = model([0.5, -1.0])
    out = out[0] if isinstance(out, list) else out
    loss = (out - 1.0) ** 2
    path = tmp_path / "mlp.html"
    Stepper(loss, lang="zh", title="MLP 2-4-4-1").write(path)
    page, problems, _ = open_page(browser, path, 1920, 1080)
    assert page.text_content("#caption").startswith("正向传播")
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    assert page.text_content("#caption").startswith("反向传播")
    assert "图例" in page.text_content("#legendbtn")
    assert not problems, problems


def _pixel_spread(png: bytes) -> float:
    """Variance of grey levels in a PNG (0 for a blank, one-colour page)."""
    image = pytest.importorskip("PIL.Image", reason="decoding the screenshot needs Pillow")
    np = pytest.importorskip("numpy")
    grey = np.asarray(image.open(io.BytesIO(png)).convert("L"), dtype=float)
    return float(grey.var())
