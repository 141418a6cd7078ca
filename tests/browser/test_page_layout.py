"""The pages as drawn: measured on the boxes Chromium lays out, not on the source.

Every page is loaded once at a desktop width (1280 px) and once at a phone
width (400 px), with the network blocked; one script measures it and the
tests below read the measurements.

- The visible ☰ (primary sidebar toggle) opens the table of contents on a
  phone and collapses the sidebar on a desktop.
- At 1280 px every display equation fits its column without a scroll bar
  and no glyph of it is drawn over its equation number; at 400 px every
  display equation is on screen or scrolls inside its own box (clipped
  maths, or maths that only the whole page's scroll reaches, fail).
- Every table is on screen or scrolls inside a box of its own; at 1280 px
  the tables of the text (not a cell's printed output) fit the column.
- The prose shows no raw TeX ($, \\mathbf, \\frac, \\begin, ...) nor MyST
  syntax ({eq}, {doc}, ```{ ...), no MathJax error, and no inline maths that
  swallowed a sentence (what a stray $ or a `+` starting a line of $...$ does).
- A cell shows each of its streams (stdout, stderr) in one box, not one box
  per print.
"""

import pytest

from built_site import PAGES, SITE

DESKTOP, PHONE = 1280, 400
# The page that the sidebar test clicks through: a chapter in the middle of the book.
TOGGLE_PAGE = SITE / "book" / "bptt.html"

MEASURE = r"""async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const vw = document.documentElement.clientWidth;
  const r = e => e.getBoundingClientRect();
  const scrolls = e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const article = document.querySelector('article.bd-article') || document.body;
  const where = e => {
    const m = e.closest('div.math'), no = m && m.querySelector('.eqno'), sec = e.closest('section[id]');
    return (no ? no.textContent.replace('#', '').trim() + ' ' : '') + (m && m.id ? m.id : (sec ? '#' + sec.id : ''));
  };
  const out = {equations: [], overlaps: [], tables: [], raw: [], swallowed: [], errors: [], streams: [], code: []};

  // Display equations.
  for (const m of article.querySelectorAll('div.math')) {
    const mjx = m.querySelector('mjx-container[display="true"]');
    if (!mjx) { continue; }
    const inner = mjx.querySelector('mjx-math') || mjx, ext = r(inner);
    // The boxes from MathJax's container up to the block: the equation's own boxes.
    const own = [];
    for (let a = inner.parentElement; a && a !== m.parentElement; a = a.parentElement) { own.push(a); }
    // The part drawn: the viewport, cut by every own box that clips.
    let clipL = 0, clipR = vw;
    for (const a of own) {
      if (getComputedStyle(a).overflowX !== 'visible') { clipL = Math.max(clipL, r(a).left); clipR = Math.min(clipR, r(a).right); }
    }
    const fits = !own.some(a => a.scrollWidth > a.clientWidth + 1) && ext.left >= r(m).left - 1 && ext.right <= r(m).right + 1;
    let reachable = ext.left >= clipL - 1 && ext.right <= clipR + 1;
    const scroller = own.find(a => scrolls(a) && a.scrollWidth > a.clientWidth + 1);
    if (!reachable && scroller) {
      const s = r(scroller);
      reachable = s.width > 0 && s.left >= -1 && s.right <= vw + 1 && scroller.scrollWidth >= ext.width - 4;
    }
    out.equations.push({where: where(m), width: Math.round(ext.width), room: Math.round(mjx.clientWidth), fits, reachable});
    const eqno = m.querySelector('.eqno');
    if (eqno) {
      const n = r(eqno);
      for (const glyph of inner.querySelectorAll('mjx-c, mjx-line, mjx-dstrut')) {
        const g = r(glyph), left = Math.max(g.left, clipL), right = Math.min(g.right, clipR);
        if (right - left >= 1 && g.height > 0 && right > n.left + 1 && left < n.right - 1 && g.bottom > n.top + 1 && g.top < n.bottom - 1) {
          out.overlaps.push(where(m));
          break;
        }
      }
    }
  }

  // Tables: on screen, or inside a box that scrolls far enough.
  for (const t of article.querySelectorAll('table')) {
    if (t.closest('.highlight, mjx-container')) { continue; }
    let scroller = null;
    for (let a = t.parentElement; a && a !== document.body; a = a.parentElement) { if (scrolls(a)) { scroller = a; break; } }
    const host = t.parentElement, tb = r(t);
    const wide = t.scrollWidth > host.clientWidth + 1 || tb.right > vw + 1 || tb.left < -1;
    const reachable = !wide || (!!scroller && r(scroller).left >= -1 && r(scroller).right <= vw + 1 &&
                                scroller.scrollWidth >= t.scrollWidth - 1 && scroller.clientWidth < t.scrollWidth + 1);
    const head = (t.querySelector('th') || t.querySelector('td') || t).textContent.trim().slice(0, 30);
    const sec = t.closest('section[id]');
    out.tables.push({where: (sec ? '#' + sec.id : '') + ' [' + head + ']', width: Math.round(t.scrollWidth),
                     room: host.clientWidth, wide, reachable, output: !!t.closest('.cell_output, .output')});
  }

  // Raw TeX and MyST in the prose: the text outside code, outputs and typeset maths.
  const prose = article.cloneNode(true);
  prose.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight, .cell_output, .output, ' +
                         '.math, .headerlink').forEach(n => n.remove());
  const markup = /\$|\\(mathbf|frac|begin|end|mathrm|sum|partial|odot|left|right|top|cdot|text|tanh|sigma)\b|\{(eq|doc|ref|numref|cite|cite:p|cite:t|prf:ref|math)\}|```\s*\{|:::\s*\{/;
  const walk = document.createTreeWalker(prose, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const hit = n.textContent.match(markup);
    if (hit) { out.raw.push(n.textContent.slice(Math.max(0, hit.index - 30), hit.index + 40).replace(/\s+/g, ' ')); }
  }
  for (const e of article.querySelectorAll('mjx-merror')) { out.errors.push(e.getAttribute('data-mjx-error') || e.textContent); }
  // Inline maths whose TeX reads as English (four words of three letters or more outside \text{...}):
  // prose between two stray dollars, typeset as italic maths.
  if (window.MathJax && MathJax.startup && MathJax.startup.document) {
    for (const item of MathJax.startup.document.math) {
      if (item.display) { continue; }
      const tex = item.math.replace(/\\(text|textrm|textit|mathrm|operatorname|mbox|texttt|mathtt)\s*\{[^}]*\}/g, ' ')
                           .replace(/\\[a-zA-Z]+/g, ' ');
      if ((tex.match(/\b[a-z]{3,}\b/g) || []).length >= 4) { out.swallowed.push(item.math.slice(0, 80).replace(/\s+/g, ' ')); }
    }
  }

  // Stream outputs: boxes per cell and stream.
  for (const c of article.querySelectorAll('div.cell')) {
    const count = {};
    for (const o of c.querySelectorAll('.cell_output > .output')) {
      for (const k of ['stream', 'stderr']) { if (o.classList.contains(k)) { count[k] = (count[k] || 0) + 1; } }
    }
    for (const k in count) {
      if (count[k] > 1) {
        const first = (c.querySelector('.cell_input pre') || c).textContent.trim().split('\n')[0].slice(0, 60);
        out.streams.push(`${count[k]} ${k} boxes from the cell "${first}"`);
      }
    }
  }

  // Code lines wider than their box (reported by scripts, not a test).
  for (const p of article.querySelectorAll('.cell_input pre')) {
    if (p.scrollWidth > p.clientWidth + 1) {
      const longest = p.textContent.split('\n').reduce((a, b) => (b.length > a.length ? b : a), '');
      out.code.push({over: p.scrollWidth - p.clientWidth, chars: longest.length, line: longest.trim().slice(0, 100)});
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def measure(browser):
    """measure(path, width): the page's measurements, each page loaded once per width."""
    contexts, cache = {}, {}

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            r.abort()

    def get(path, width):
        if (path, width) not in cache:
            if width not in contexts:
                context = browser.new_context(viewport={"width": width, "height": 900})
                context.route("**/*", route)
                contexts[width] = (context, context.new_page())
            page = contexts[width][1]
            page.goto(path.as_uri(), wait_until="load", timeout=60_000)
            cache[path, width] = page.evaluate(MEASURE)
        return cache[path, width]

    yield get
    for context, _ in contexts.values():
        context.close()


def ids(p):
    return str(p.relative_to(SITE))


# The visible ☰ -------------------------------------------------------------

TOC_SHOWN = """() => {
  const shown = e => { const b = e.getBoundingClientRect(), cs = getComputedStyle(e);
    return b.width > 0 && b.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none'; };
  // Links of the table of contents that are on screen and not covered: what a reader can click.
  return [...document.querySelectorAll('nav.bd-docs-nav a.reference')].filter(a => {
    if (!shown(a)) { return false; }
    const b = a.getBoundingClientRect(), x = b.left + Math.min(b.width / 2, 20), y = b.top + b.height / 2;
    if (x < 0 || x > innerWidth || y < 0 || y > innerHeight) { return false; }
    for (let e = a; e; e = e.parentElement) { if (parseFloat(getComputedStyle(e).opacity) < 0.5) { return false; } }
    const top = document.elementFromPoint(x, y);
    return !!top && (top === a || a.contains(top));
  }).length;
}"""


@pytest.mark.parametrize("width, before, after", [(PHONE, "hidden", "shown"), (DESKTOP, "shown", "hidden")])
def test_the_visible_menu_button_toggles_the_table_of_contents(browser, width, before, after):
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://") else r.abort())
    try:
        page = context.new_page()
        page.goto(TOGGLE_PAGE.as_uri(), wait_until="load", timeout=60_000)
        page.wait_for_timeout(300)
        toggles = [t for t in page.locator(".primary-toggle").all() if t.is_visible()]
        assert toggles, f"no visible ☰ (.primary-toggle) at {width} px"

        def state():
            return "shown" if page.evaluate(TOC_SHOWN) > 0 else "hidden"

        assert state() == before, f"at {width} px the table of contents is {state()} before ☰ is clicked"
        toggles[0].click()
        page.wait_for_timeout(700)  # the theme's transition takes 0.25 s
        assert state() == after, f"at {width} px the visible ☰ leaves the table of contents {state()}"
    finally:
        context.close()


# Display equations ---------------------------------------------------------


@pytest.mark.parametrize("path", PAGES, ids=ids)
def test_display_maths_fit_the_column_at_1280px(measure, path):
    m = measure(path, DESKTOP)
    wide = [f"{e['where']}: {e['width']} px in {e['room']} px" for e in m["equations"] if not e["fits"]]
    assert not wide and not m["overlaps"], (
        f"{ids(path)} at {DESKTOP} px: equations wider than their column (break them across lines): {wide}; "
        f"drawn over their equation number: {m['overlaps']}"
    )


@pytest.mark.parametrize("path", PAGES, ids=ids)
def test_display_maths_reachable_at_400px(measure, path):
    m = measure(path, PHONE)
    cut = [f"{e['where']}: {e['width']} px in {e['room']} px" for e in m["equations"] if not e["reachable"]]
    assert not cut, f"{ids(path)} at {PHONE} px: equations clipped, with no scroll in their own box: {cut}"


# Tables --------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES, ids=ids)
def test_tables_fit_or_scroll(measure, path):
    problems = []
    for width in (DESKTOP, PHONE):
        for t in measure(path, width)["tables"]:
            if not t["reachable"]:
                problems.append(f"at {width} px {t['where']}: {t['width']} px in {t['room']} px, cut off")
            elif width == DESKTOP and t["wide"] and not t["output"]:
                problems.append(f"at {width} px {t['where']}: {t['width']} px in {t['room']} px, columns off screen")
    assert not problems, f"{ids(path)}:\n  " + "\n  ".join(problems)


# Raw markup ----------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES, ids=ids)
def test_no_raw_markup_in_the_prose(measure, path):
    m = measure(path, DESKTOP)
    problems = (
        [f"raw markup: …{t}…" for t in m["raw"]]
        + [f"MathJax error: {e}" for e in m["errors"]]
        + [f"prose typeset as inline maths: ${t}$" for t in m["swallowed"]]
    )
    assert not problems, f"{ids(path)}:\n  " + "\n  ".join(problems)


# Output streams ------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES, ids=ids)
def test_one_box_per_output_stream(measure, path):
    streams = measure(path, DESKTOP)["streams"]
    assert not streams, f"{ids(path)}:\n  " + "\n  ".join(streams)
