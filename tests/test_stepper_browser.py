"""stepper.html in headless Chromium: opens from disk, no console errors, keys and buttons step.

Needs Debian's ``chromium`` at /usr/bin/chromium (``.ci/run`` installs it) and the Python
``playwright`` package; skipped with the reason when either is missing. Never downloads a browser.
"""

from __future__ import annotations

import io
import os

import pytest

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


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    from microgrid.app.worked_example import WorkedExample
    from viz.frames import frames
    from viz.stepper import write_stepper

    ex = WorkedExample()
    ex.zero_grad()
    path = tmp_path_factory.mktemp("stepper") / "stepper.html"
    write_stepper(frames(ex.E_total, params=ex.parameters()), path, title="worked example")
    return path


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_stepper_steps_with_keys_and_buttons_without_console_errors(browser, page_file, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 800})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_file.as_uri())

    counter, caption = page.text_content("#counter"), page.text_content("#caption")
    assert counter.split() == ["1", "/", "56"]
    assert caption.startswith("Forward pass 0/27")
    assert page.locator("#frame svg").count() == 1

    page.keyboard.press("ArrowRight")
    assert page.text_content("#counter").split()[0] == "2"
    assert page.text_content("#caption") != caption
    assert page.text_content("#caption").startswith("Forward pass 1/27")

    page.keyboard.press("End")
    assert page.text_content("#counter").split()[0] == "56"
    page.click("#prev")
    assert page.text_content("#counter").split()[0] == "55"
    assert "dE_total/dw4 +=" in page.text_content("#caption")
    page.keyboard.press("ArrowLeft")
    assert page.text_content("#counter").split()[0] == "54"
    page.fill("#slider", "30")  # the slider jumps straight to a frame
    page.dispatch_event("#slider", "input")
    assert page.text_content("#counter").split()[0] == "31"
    assert page.get_attribute("#phase", "class") == "backward"

    shot = page.screenshot(path=str(tmp_path / "stepper.png"))
    assert not problems, problems
    assert all(url.startswith("file://") for url in requests), requests
    assert _pixel_spread(shot) > 100  # a blank page would have (almost) no spread


def _pixel_spread(png: bytes) -> float:
    """Variance of grey levels in a PNG (0 for a blank, one-colour page)."""
    image = pytest.importorskip("PIL.Image", reason="decoding the screenshot needs Pillow")
    np = pytest.importorskip("numpy")
    grey = np.asarray(image.open(io.BytesIO(png)).convert("L"), dtype=float)
    return float(grey.var())


def test_play_advances_and_pauses(browser, page_file):
    page = browser.new_page()
    page.goto(page_file.as_uri())
    page.click("#play")
    page.wait_for_function("document.body.dataset.frame !== '0'", timeout=10_000)
    page.click("#play")  # pause
    paused_at = page.get_attribute("body", "data-frame")
    page.wait_for_timeout(1500)
    assert page.get_attribute("body", "data-frame") == paused_at
