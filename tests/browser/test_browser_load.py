"""Explorer figures on a loaded machine (issue #24, item 1): they always show their data.

The two explorers of 01-single-server are built in JupyterLab in headless Chromium while the
machine is loaded the two ways a learner's machine is:

- the page's CPU is slowed 6x (DevTools' ``Emulation.setCPUThrottlingRate``), as on an old laptop;
- a widget's ES module reaches the page late while the page itself is idle, as on a shared server
  whose CPUs are busy: the module fetch and compile run off the page's main thread and are starved
  there. The test holds the FigureWidget's 5 MB plotly.js module (anywidget ``_esm``) back 2.5 s.
  anywidget 0.11 gives a model 2 s to load its module and then drops every message to it, so a
  FigureWidget shown this way comes up as empty default axes and never changes (the bug).

Every control of each explorer is then moved, and after every move the figure must show data
(traces drawn, a title, not the default -1..6 / -1..4 axes) and must have changed. A screenshot
of each state goes to the test's temporary folder (its path is printed).
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from browser_lab import ARGS, CHROMIUM, LabServer
from nbformat.v4 import new_code_cell, new_notebook

pytestmark = [pytest.mark.browser]

THROTTLE = 6
MODULE_DELAY_S = 2.5
CELLS = [
    "from scalelab.widgets import show\n"
    "from scalelab.widgets.dns import explore_resolution, explore_resolver_cache",
    "ex1 = show(explore_resolution)",
    "ex2 = show(explore_resolver_cache)",
]
N_EXPLORERS = 2

# Plotly's widget module, which a FigureWidget sends as its anywidget _esm, byte for byte.
PLOTLY_ESM = Path(__import__("plotly").__file__).parent / "package_data" / "widgetbundle.js"

# anywidget imports an _esm source through a blob: URL (loadEsm). Point the FigureWidget's (the
# only blob of exactly that size) at a same-origin URL the test answers late; nothing else changes.
SLOW_MODULE_JS = """(() => {
  const create = URL.createObjectURL.bind(URL);
  let n = 0;
  URL.createObjectURL = (obj) => (obj instanceof Blob && obj.size === %d)
      ? location.origin + '/__slow_module__/' + (n++) + '.js' : create(obj);
})()"""

# The explorers (the VBox holding the sliders) in page order, and for each its figure, if any.
FIGURES_JS = """() => Array.from(document.querySelectorAll('.jp-OutputArea .widget-vbox'))
  .filter(b => b.querySelector('.widget-slider') && !b.parentElement.closest('.widget-vbox'))
  .map(box => {
    const gd = box.querySelector('.js-plotly-plot');
    const caption = box.querySelector('[role=status]')?.textContent || '';
    if (!gd || !gd._fullLayout) return {plot: false, caption};
    const fl = gd._fullLayout;
    return {plot: true, caption,
      traces: (gd.data || []).length,
      drawn: gd.querySelectorAll('.scatterlayer .trace, .barlayer .trace, .heatmaplayer .hm')
               .length,
      title: gd.querySelector('.gtitle')?.textContent || '',
      x: fl.xaxis ? fl.xaxis.range.map(Number) : null,
      y: fl.yaxis ? fl.yaxis.range.map(Number) : null,
      sig: JSON.stringify([gd.data, fl.title && fl.title.text,
                           fl.xaxis && fl.xaxis.range, fl.yaxis && fl.yaxis.range])};
  })"""


def shows_data(fig: dict) -> bool:
    default_axes = fig.get("x") == [-1, 6] and fig.get("y") == [-1, 4]
    return bool(
        fig["plot"] and fig["traces"] and fig["drawn"] and fig["title"] and not default_axes
    )


def describe(fig: dict) -> str:
    if not fig["plot"]:
        return "no figure drawn"
    keys = ("traces", "drawn", "title", "x", "y")
    return ", ".join(f"{k}={fig[k]!r}" for k in keys)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (the README's test command installs it as root)")
    server = LabServer(tmp_path_factory.mktemp("lab-load"))
    yield server
    server.stop()


def _open_and_run_all(page, lab, path: str) -> None:
    page.goto(lab.link(path))
    idle = ".jp-Notebook-ExecutionIndicator[data-status='idle']"
    page.wait_for_selector(f"{idle}, .jp-Dialog")
    dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    if dialog.count():
        dialog.locator("button", has_text="Select").click()
    page.wait_for_selector(idle)
    # From here on the machine is loaded: the widgets are built and shown under it.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
    started = """() => Array.from(document.querySelectorAll('.jp-InputPrompt'))
        .some(p => /[0-9*]/.test(p.textContent))"""
    for _attempt in range(4):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
        try:
            page.wait_for_function(started, timeout=20_000)
            break
        except Exception:  # noqa: BLE001 - not started yet: the kernel was still connecting
            page.keyboard.press("Escape")
    page.wait_for_function(
        """() => document.querySelector(".jp-Notebook-ExecutionIndicator[data-status='idle']")
            && !Array.from(document.querySelectorAll('.jp-InputPrompt'))
                  .some(p => p.textContent.includes('*'))""",
        polling=500,
    )


def _move(page, box, kind: str, index: int) -> str:
    """Move the control and return a short description of the move."""
    if kind == "slider":
        slider = box.locator(".widget-slider").nth(index)
        slider.scroll_into_view_if_needed()
        handle = slider.locator(".noUi-handle").first
        handle.focus()
        handle.press("ArrowRight")
        return f"slider {index} one step right"
    if kind == "dropdown":
        select = box.locator(".widget-dropdown select").nth(index)
        select.scroll_into_view_if_needed()
        options = select.locator("option").all_text_contents()
        current = select.evaluate("s => s.options[s.selectedIndex].text")
        choice = options[(options.index(current) + 1) % len(options)]
        select.select_option(label=choice)
        return f"dropdown {index} -> {choice}"
    checkbox = box.locator(".widget-checkbox input").nth(index)
    checkbox.scroll_into_view_if_needed()
    checkbox.click()
    return f"checkbox {index} toggled"


def test_explorer_figures_show_their_data_under_load(lab, tmp_path):
    from playwright.sync_api import sync_playwright

    path = "work/load/load.ipynb"
    target = lab.dir / path
    target.parent.mkdir(parents=True, exist_ok=True)
    nb = new_notebook(cells=[new_code_cell(c) for c in CELLS])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, target)
    module = PLOTLY_ESM.read_bytes()

    def slow_module(route):
        time.sleep(MODULE_DELAY_S)  # the page goes on meanwhile: only this answer waits
        route.fulfill(status=200, content_type="text/javascript", body=module)

    problems: list[str] = []
    shots: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(90_000)
        page.add_init_script(SLOW_MODULE_JS % len(module))
        page.route("**/__slow_module__/**", slow_module)
        try:
            _open_and_run_all(page, lab, path)
            # Every explorer is shown and its figure drawn (bounded wait: a figure that is drawn
            # empty stays empty, the wait only lets a slow page finish).
            page.wait_for_function(
                f"() => ({FIGURES_JS})().length >= {N_EXPLORERS}", timeout=60_000
            )
            try:
                page.wait_for_function(
                    f"""() => ({FIGURES_JS})().every(f => f.plot && f.traces && f.drawn
                          && f.title)""",
                    timeout=30_000,
                )
            except Exception:  # noqa: BLE001 - reported below, figure by figure
                pass
            shots.append(tmp_path / "built.png")
            page.screenshot(path=str(shots[-1]), full_page=True)
            figures = page.evaluate(FIGURES_JS)
            for i, fig in enumerate(figures):
                if not shows_data(fig):
                    problems.append(f"explorer {i} after build: {describe(fig)}")

            boxes = page.locator(".jp-OutputArea .widget-vbox:has(.widget-slider)")
            for i in range(N_EXPLORERS):
                box = boxes.nth(i)
                controls = (
                    [("slider", k) for k in range(box.locator(".widget-slider").count())]
                    + [("dropdown", k) for k in range(box.locator(".widget-dropdown").count())]
                    + [("checkbox", k) for k in range(box.locator(".widget-checkbox").count())]
                )
                for kind, k in controls:
                    before = page.evaluate(FIGURES_JS)[i]
                    what = _move(page, box, kind, k)
                    try:  # the kernel answered: the caption (a plain HTML widget) changed
                        page.wait_for_function(
                            f"([i, c]) => ({FIGURES_JS})()[i].caption !== c",
                            arg=[i, before["caption"]],
                            timeout=30_000,
                        )
                    except Exception:  # noqa: BLE001
                        problems.append(f"explorer {i}, {what}: the caption did not change")
                        continue
                    try:  # ... and the figure follows
                        page.wait_for_function(
                            f"([i, s]) => {{ const f = ({FIGURES_JS})()[i];"
                            " return f.plot && f.sig !== s && f.traces > 0; }",
                            arg=[i, before.get("sig")],
                            timeout=10_000,
                        )
                    except Exception:  # noqa: BLE001
                        problems.append(f"explorer {i}, {what}: the figure did not change")
                    after = page.evaluate(FIGURES_JS)[i]
                    if not shows_data(after):
                        problems.append(f"explorer {i}, {what}: {describe(after)}")
                shots.append(tmp_path / f"explorer-{i}-moved.png")
                box.screenshot(path=str(shots[-1]))
        finally:
            context.close()
            browser.close()
    print("screenshots:", *shots, sep="\n  ")
    assert not problems, "figures without their data under load:\n" + "\n".join(problems)
