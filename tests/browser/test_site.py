"""Every page of the built site in headless Chromium, with the network blocked.

A page fails on a console error (or an uncaught exception), on math that
MathJax did not typeset (a raw $$ or \\( left, or a MathJax error), on a
broken image or a missing local file, and on any request that would leave
the machine (every non-file:// request is aborted and counted).

    make test-browser                      # the site in _build/html
    make test-browser SITE=/tmp/other/html # another build
"""
import os
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SITE = pathlib.Path(os.environ.get("LSTM_SITE_DIR", ROOT / "_build" / "html")).resolve()
SKIP_DIRS = {"_static", "_sources", "_images", "_sphinx_design_static", "_panels_static"}
PAGES = sorted(p for p in SITE.rglob("*.html") if not SKIP_DIRS & set(p.relative_to(SITE).parts))

# Raw TeX left in the text outside code: what an untypeset page shows.
CHECK_PAGE = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  for (const img of document.images) { img.loading = 'eager'; }
  await Promise.all([...document.images].map(img => img.complete ? null :
      new Promise(done => { img.onload = img.onerror = done; setTimeout(done, 5000); })));
  const math = [...document.querySelectorAll('.math')];
  const untypeset = math.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.trim().slice(0, 60));
  const errors = [...document.querySelectorAll('mjx-merror')].map(e => e.getAttribute('data-mjx-error') || e.textContent);
  const text = document.body.cloneNode(true);
  text.querySelectorAll('pre, code, script, style, mjx-container, textarea, .highlight').forEach(n => n.remove());
  const raw = ['$$', '\\\\(', '\\\\[', '\\\\begin{'].filter(d => text.textContent.includes(d));
  const broken = [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src);
  return {math: math.length, untypeset, errors, raw, broken};
}"""


def test_the_site_is_built():
    assert PAGES, f"no HTML pages under {SITE}: build the site first (make book)"
    assert (SITE / "index.html").exists() or any(p.name == "preface.html" for p in PAGES)


REDIRECT = re.compile(r'<meta http-equiv="refresh" content="\d+;\s*url=([^"]+)"', re.I)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(SITE)))
def test_page_is_clean_offline(browser, path):
    redirect = REDIRECT.search(path.read_text(errors="replace"))
    if redirect:  # index.html only forwards to the first page, which has its own test
        target = (path.parent / redirect.group(1).split("#")[0]).resolve()
        assert target.exists() and target in PAGES, f"{path.name} redirects to a missing page {target}"
        return
    context = browser.new_context()
    left_the_machine, console, missing = [], [], []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            left_the_machine.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: missing.append(r.url) if r.url.startswith("file://") else None)
    try:
        page.goto(path.as_uri(), wait_until="load", timeout=60_000)
        result = page.evaluate(CHECK_PAGE)
        page.wait_for_timeout(200)  # late console messages
    finally:
        context.close()
    problems = []
    if left_the_machine:
        problems.append(f"{len(left_the_machine)} requests would leave the machine: {left_the_machine[:5]}")
    if console:
        problems.append(f"console errors: {console[:5]}")
    if missing:
        problems.append(f"missing local files: {missing[:5]}")
    if result["untypeset"] or result["raw"] or result["errors"]:
        problems.append(
            f"math not typeset: {result['untypeset'][:3]} raw {result['raw']} MathJax errors {result['errors'][:3]}"
        )
    if result["broken"]:
        problems.append(f"broken images: {result['broken'][:5]}")
    assert not problems, f"{path.relative_to(SITE)}:\n  " + "\n  ".join(problems)
