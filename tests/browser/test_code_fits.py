"""The code of every cell fits its box at 1280 px: no sideways scroll to read a line.

Every page of the built site is loaded at 1280 px with the network blocked;
every <details> of the article is opened and every solution's dropdown shown
first, so that the code of cells whose input is hidden (a "Show code cell
source" toggle) and of the solutions is measured as a reader sees it. A cell's code box
(`.cell_input pre`) fails if its content is wider than the box
(scrollWidth > clientWidth + 1). _static/layout.css sizes the code font so
that a line of 100 characters fits; tests/test_code_width.py holds the cells
to that length.
"""

import pytest

from built_site import PAGES, SITE

DESKTOP = 1280

MEASURE = r"""() => {
  const article = document.querySelector('article.bd-article') || document.body;
  for (const d of article.querySelectorAll('details')) { d.open = true; }
  // A solution's dropdown (sphinx-togglebutton) lays its hidden content out at another width: reveal it.
  for (const t of article.querySelectorAll('.toggle-hidden')) { t.classList.remove('toggle-hidden'); }
  const out = [];
  for (const p of article.querySelectorAll('.cell_input pre')) {
    if (p.scrollWidth > p.clientWidth + 1) {
      const longest = p.textContent.split('\n').reduce((a, b) => (b.length > a.length ? b : a), '');
      const sec = p.closest('section[id]');
      out.push(`${sec ? '#' + sec.id : ''}: ${p.scrollWidth} px of code in a ${p.clientWidth} px box ` +
               `(${longest.length} characters: ${longest.trim().slice(0, 60)})`);
    }
  }
  return {boxes: article.querySelectorAll('.cell_input pre').length, wide: out};
}"""


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(viewport={"width": DESKTOP, "height": 900})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://") else r.abort())
    yield context.new_page()
    context.close()


def ids(p):
    return str(p.relative_to(SITE))


def test_the_site_has_code_cells():
    assert PAGES, f"no pages under {SITE} (build the site, or set LSTM_SITE_DIR)"


@pytest.mark.parametrize("path", PAGES, ids=ids)
def test_code_cells_fit_their_box_at_1280px(page, path):
    page.goto(path.as_uri(), wait_until="load", timeout=60_000)
    m = page.evaluate(MEASURE)
    assert not m["wide"], (f"{ids(path)} at {DESKTOP} px: {len(m['wide'])} of {m['boxes']} code boxes scroll sideways "
                           "(lines over 100 characters, or the code font of _static/layout.css too large):\n  "
                           + "\n  ".join(m["wide"]))
