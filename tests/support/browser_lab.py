"""A JupyterLab server and a headless Chromium for the browser tier (tests/browser/test_browser.py).

The server runs from the project's environment on 127.0.0.1 with a random token, in a temporary
copy of the repository's course/, solutions/ and grading/ folders, started from grading/ with the
copy as its root (the formgrader needs that), and stopped by its PID. Chromium is Debian's
(/usr/bin/chromium) driven by Playwright's Python package; nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from coursekit.paths import ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# The state of an Explore widget, read from the DOM: the first slider's explorer (the VBox that
# holds both the slider and a plotly figure), its figure's data and its caption text.
STATE_JS = """(index) => {
  const sliders = Array.from(document.querySelectorAll('.jp-OutputArea .widget-slider'));
  const slider = sliders[index || 0];
  if (!slider) return null;
  let box = slider.parentElement;
  while (box && !(box.querySelector('.js-plotly-plot'))) box = box.parentElement;
  if (!box) return null;
  const gd = box.querySelector('.js-plotly-plot');
  const caption = box.querySelector('[role=status]');
  const data = (gd.data || []).map(t => [t.x, t.y, t.z, t.values, t.text].map(
      v => (v && v.length !== undefined) ? Array.from(v) : v));
  return {data: JSON.stringify(data),
          caption: caption ? caption.textContent : null,
          readout: slider.querySelector('.widget-readout')?.textContent};
}"""


# What a learner sees of every plotly figure on the page, read from the rendered SVG: the title's
# and the legend's boxes, the legend's entries, each heatmap's axis labels, and the width of every
# slider's track (a long label must leave a usable track).
LAYOUT_JS = """() => {
  const box = el => { if (!el) return null; const r = el.getBoundingClientRect();
      return (r.width && r.height) ? {x: r.x, y: r.y, w: r.width, h: r.height} : null; };
  const figures = Array.from(document.querySelectorAll('.jp-OutputArea .js-plotly-plot')).map(gd => {
    const heat = (gd.data || []).filter(t => t.type === 'heatmap').map(t => {
      const labels = axis => Array.from(gd.querySelectorAll(`.${axis}tick text`))
          .map(e => e.textContent);
      return {x: labels((t.xaxis || 'x')), y: labels((t.yaxis || 'y')),
              names: [t.x ? Array.from(t.x) : [], t.y ? Array.from(t.y) : []]};
    });
    const fl = gd._fullLayout || {};
    const ticks = Object.keys(fl).filter(k => /^[xy]axis\\d*$/.test(k) && fl[k].type === 'linear')
      .map(k => ({axis: k, labels: Array.from(gd.querySelectorAll(`.${fl[k]._id}tick text`))
                                      .map(e => e.textContent)}));
    return {ticks, title: (gd.querySelector('.gtitle') || {}).textContent || '',
            titleBox: box(gd.querySelector('.gtitle')),
            legendBox: box(gd.querySelector('.legend .bg')),
            entries: Array.from(gd.querySelectorAll('.legend .legendtext')).map(e => e.textContent),
            heat};
  });
  const tracks = Array.from(document.querySelectorAll('.jp-OutputArea .widget-slider')).map(s => ({
      label: (s.querySelector('.widget-label') || {}).textContent || '',
      width: (box(s.querySelector('.noUi-target')) || {w: 0}).w}));
  return {figures, tracks};
}"""

# Every control of every explorer on the page, as (explorer index, control index, kind, disabled).
CONTROLS_JS = """() => Array.from(document.querySelectorAll('.jp-OutputArea .widget-vbox'))
  .filter(b => b.querySelector(':scope > .widget-hbox') && b.querySelector('.js-plotly-plot'))
  .map(b => Array.from(b.querySelector(':scope > .widget-hbox').children).map(c => ({
      kind: c.classList.contains('widget-slider') ? 'slider'
          : c.classList.contains('widget-dropdown') ? 'dropdown'
          : c.classList.contains('widget-checkbox') ? 'checkbox'
          : c.classList.contains('widget-toggle-buttons') ? 'toggle' : 'other',
      label: (c.querySelector('.widget-label') || {}).textContent || c.textContent.slice(0, 40),
      disabled: !!c.querySelector(':disabled, [disabled], .mod-disabled')
          || c.classList.contains('mod-disabled')})))"""

# What the figure in explorer ``i`` draws (as CONTROLS_JS numbers them): its data and shapes.
FIGURE_JS = """(i) => {
  const boxes = Array.from(document.querySelectorAll('.jp-OutputArea .widget-vbox'))
    .filter(b => b.querySelector(':scope > .widget-hbox') && b.querySelector('.js-plotly-plot'));
  const gd = boxes[i] && boxes[i].querySelector('.js-plotly-plot');
  if (!gd) return null;
  const data = (gd.data || []).map(t => [t.name, t.visible, t.x, t.y, t.z, t.text].map(
      v => (v && v.length !== undefined && typeof v !== 'string') ? Array.from(v) : v));
  return JSON.stringify([data, (gd.layout || {}).shapes || []]);  // shaded spans are drawn too
}"""


# Whether the figure of explorer ``i`` (as CONTROLS_JS numbers them) shows data: traces drawn,
# and not plotly's empty default axes (-1..6, -1..4), which a lost figure comes up as.
SHOWN_JS = """(i) => {
  const boxes = Array.from(document.querySelectorAll('.jp-OutputArea .widget-vbox'))
    .filter(b => b.querySelector(':scope > .widget-hbox') && b.querySelector('.js-plotly-plot'));
  const gd = boxes[i] && boxes[i].querySelector('.js-plotly-plot');
  if (!gd || !gd._fullLayout) return 'no figure drawn';
  const fl = gd._fullLayout;
  const drawn = gd.querySelectorAll(
      '.scatterlayer .trace, .barlayer .trace, .heatmaplayer .hm, .pielayer .trace').length;
  const range = a => a ? a.range.map(Number).join('..') : '';
  if (!(gd.data || []).length || !drawn) return 'no traces drawn';
  if (range(fl.xaxis) === '-1..6' && range(fl.yaxis) === '-1..4') return 'empty default axes';
  return '';
}"""

# Readability of the page's text outside figures: each Mermaid diagram's text size as shown
# (JupyterLab draws a diagram as an <img> of its SVG, scaled to the cell's width), and every
# printed output that wraps (more lines on screen than in the text: a table broken mid-value).
TEXT_JS = """() => {
  const diagrams = Array.from(document.querySelectorAll('.jp-RenderedMermaid img')).map(img => {
    const svg = decodeURIComponent(img.src);
    const box = svg.match(/viewBox="[-0-9.]+ [-0-9.]+ ([0-9.]+) /);
    const font = svg.match(/font-size:\\s*([0-9.]+)px/);
    const scale = box ? img.getBoundingClientRect().width / parseFloat(box[1]) : 1;
    return {px: (font ? parseFloat(font[1]) : 16) * scale,
            text: (svg.match(/>([^<>]{3,40})</) || ['', ''])[1]};
  });
  const wrapped = Array.from(document.querySelectorAll(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"] pre, '
      + '.jp-OutputArea-output[data-mime-type="text/plain"] pre'))
    .map(pre => {
      const lh = parseFloat(getComputedStyle(pre).lineHeight);
      const lines = pre.textContent.replace(/\\n$/, '').split('\\n').length;
      return {lines, shown: pre.getBoundingClientRect().height / lh,
              text: pre.textContent.slice(0, 60)};
    }).filter(p => p.shown > p.lines + 0.5);
  return {diagrams, wrapped};
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """JupyterLab on 127.0.0.1 in a temporary copy of the course; ``stop()`` kills it by PID."""

    def __init__(self, workdir: Path):
        self.dir = Path(workdir) / "repo"
        for name in ("course", "solutions", "grading"):
            shutil.copytree(
                ROOT / name,
                self.dir / name,
                ignore=shutil.ignore_patterns(
                    "gradebook.db", "submitted", "autograded", "feedback", "results"
                ),
            )
        settings = Path(workdir) / "lab-settings"
        notify = settings / "@jupyterlab" / "apputils-extension"
        notify.mkdir(parents=True)
        (notify / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        tracker = settings / "@jupyterlab" / "notebook-extension"
        tracker.mkdir(parents=True)
        # Start the notebook's own kernel without asking, even when kernelspecs load slowly;
        # render every cell (windowing would leave off-screen widgets out of the DOM).
        (tracker / "tracker.jupyterlab-settings").write_text(
            json.dumps({"autoStartDefaultKernel": True, "windowingMode": "none"})
        )
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.update(
            JUPYTER_RUNTIME_DIR=str(Path(workdir) / "runtime"),
            JUPYTER_CONFIG_DIR=str(Path(workdir) / "config"),
            PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        )
        env.pop("NBGRADER_EXECUTION", None)
        self.log = open(Path(workdir) / "lab.log", "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--allow-root",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.dir}",
                "--LabApp.extension_manager=readonly",
                "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                f"--LabApp.user_settings_dir={settings}",
                f"--LabApp.workspaces_dir={Path(workdir) / 'workspaces'}",
            ],
            cwd=self.dir / "grading",
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}") as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("JupyterLab did not start within 60 s")

    def link(self, path: str, ui: str = "lab/tree") -> str:
        # ?reset: a fresh workspace, so only this notebook is open (the DOM holds one notebook)
        return f"{self.url}/{ui}/{path}?reset&token={self.token}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()
