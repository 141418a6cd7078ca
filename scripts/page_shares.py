"""How much of each chapter page is code: measured on the page as Chromium draws it.

    .venv/bin/python scripts/page_shares.py [SITE] [--json] [--page book/bptt ...]

SITE is a built site folder (default _build/html). Each chapter page (the
notebooks of _toc.yml's "Start here" and "Part ..." parts, as built in SITE)
is loaded in headless Chromium at 1280 px, with every request that would
leave the machine aborted, and the height of its article is split into:

- code: the code input boxes a reader sees when the page loads. A cell
  tagged `hide-input` (or `hide-cell`) puts its input inside a closed
  <details> ("Show code cell source"), which draws nothing but its one-line
  summary: that summary counts as "other", the folded code as nothing;
- outputs: the cells' visible outputs (a `hide-output` output is folded the
  same way);
- other: everything else (prose, maths, figures, headings, the gaps
  between boxes, the summaries of folded cells).

It prints a Markdown table of percentages (or JSON with --json).
tests/browser/test_page_shares.py reuses measure_pages().
"""
import argparse
import json
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# As tests/browser/conftest.py: Debian's chromium, without the services that phone home.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDTH = 1280

MEASURE = r"""async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  for (const img of document.images) { img.loading = 'eager'; }
  await Promise.all([...document.images].map(img => img.complete ? null :
      new Promise(done => { img.onload = img.onerror = done; setTimeout(done, 5000); })));
  const article = document.querySelector('article.bd-article') || document.body;
  // Drawn when the page loads: not inside a closed <details>, and with a box.
  const shown = e => !e.closest('details:not([open])') && e.getBoundingClientRect().height > 0;
  const height = sel => [...article.querySelectorAll(sel)].filter(shown)
      .reduce((s, e) => s + e.getBoundingClientRect().height, 0);
  const folded = [...article.querySelectorAll('details.hide')].filter(d => !d.open).length;
  return {article: article.getBoundingClientRect().height,
          code: height('div.cell_input'), outputs: height('div.cell_output'), folded};
}"""


def chapters(site):
    """The chapter pages of _toc.yml ("Start here" and the "Part ..." parts) that SITE holds, in order."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    out = []
    for part in toc.get("parts", []):
        caption = part.get("caption", "")
        if not (caption.startswith("Part ") or caption == "Start here"):
            continue
        for ch in part.get("chapters", []):
            name = ch["file"]
            if (ROOT / f"{name}.ipynb").exists() and (site / f"{name}.html").exists():
                out.append(name)
    return out


def route(r):
    if r.request.url.startswith("file://"):
        r.continue_()
    else:
        r.abort()


def measure_pages(browser, site, names):
    """{name: {"code", "outputs", "other" (percent of the article's height), "height" (px), "folded"}}."""
    context = browser.new_context(viewport={"width": WIDTH, "height": 900})
    context.route("**/*", route)
    page = context.new_page()
    result = {}
    try:
        for name in names:
            page.goto((site / f"{name}.html").as_uri(), wait_until="load", timeout=60_000)
            m = page.evaluate(MEASURE)
            total = m["article"]
            code, outputs = 100 * m["code"] / total, 100 * m["outputs"] / total
            result[name] = {"code": round(code, 1), "outputs": round(outputs, 1),
                            "other": round(100 - code - outputs, 1), "height": round(total),
                            "folded": m["folded"]}
    finally:
        context.close()
    return result


def table(shares):
    rows = ["| page | height (px) | visible code | outputs | other | folded cells |", "|---|---:|---:|---:|---:|---:|"]
    for name, s in shares.items():
        rows.append(
            f"| {name} | {s['height']} | {s['code']:.1f}% | {s['outputs']:.1f}% | {s['other']:.1f}% | {s['folded']} |"
        )
    return "\n".join(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("site", nargs="?", default=str(ROOT / "_build" / "html"), help="built site folder")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a Markdown table")
    ap.add_argument("--page", action="append", help="a page such as book/bptt (repeatable; default every chapter)")
    args = ap.parse_args(argv)
    site = pathlib.Path(args.site).resolve()
    names = args.page or chapters(site)
    missing = [n for n in names if not (site / f"{n}.html").exists()]
    if missing or not names:
        sys.exit(f"no such page in {site}: {missing or 'no chapter pages'} (build the site first)")
    if not os.path.exists(CHROMIUM):
        sys.exit(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            shares = measure_pages(browser, site, names)
        finally:
            browser.close()
    print(json.dumps(shares, indent=1) if args.json else table(shares))


if __name__ == "__main__":
    main()
