"""Draw the book's diagrams as SVG files next to this script.

    .venv/bin/python book/figures/draw.py          # rewrite the SVG files
    .venv/bin/python book/figures/draw.py --check  # fail if a file is out of date

Offline and deterministic: matplotlib's own mathtext (no LaTeX), text
stored as paths, no date in the metadata and a fixed hash salt, so the same
matplotlib version writes the same bytes (tests/test_book.py checks this).
Text is at least 11 pt in the figures at most 10.2 in (734 pt) wide and 12 pt
in bptt_unrolled and cell_backward_graph (792 pt wide), so that it is at least
11 CSS px where the book's page shows the figures, scaled to its 736 px column
at a 1280 px window.
Colours are the Okabe-Ito palette, safe for the common colour-vision
deficiencies, and every colour distinction is doubled by a line style or a
label, so the diagrams also read in grey.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch  # noqa: E402

HERE = Path(__file__).resolve().parent
# Okabe & Ito (2008), "Color Universal Design"
BLUE, ORANGE, SKY, GREEN, VERMILLION, PURPLE = "#0072B2", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7"
GREY, INK = "#F2F2F2", "#222222"
# the highlighted part of a cell, and the rest, pale (lines, then text: 5:1 on white)
HOT, PALE, PALE_INK = VERMILLION, "#AAAAAA", "#6E6E6E"
RC = {"svg.hashsalt": "lstm-derived", "svg.fonttype": "path", "font.size": 12, "mathtext.fontset": "dejavusans"}


def _box(ax, x, y, w, h, text, fc, *, ec=INK, fs=13, ls="-", round_=0.08, tc=INK, z=3, lw=1.2):
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle=f"round,pad=0,rounding_size={round_}",
                                fc=fc, ec=ec, lw=lw, ls=ls, zorder=z))
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=fs, color=tc, zorder=4)


def _op(ax, x, y, symbol, *, r=0.22, ec=INK, fs=12, lw=1.2, tc=None):
    """A pointwise operation: a circle with ⊙, +, tanh or 1− (the words at ``fs`` points) in it."""
    ax.add_patch(Circle((x, y), r, fc="white", ec=ec, lw=lw, zorder=3))
    size = fs if symbol in ("tanh", "1−") else 13 if symbol == "+" else 19 * r / 0.22
    ax.text(x, y, symbol, ha="center", va="center", fontsize=size, color=tc, zorder=4)


def _line(ax, pts, *, color=INK, lw=1.6, arrow=True, ls="-", z=2):
    """A polyline through ``pts``, with an arrow head at its end."""
    xs, ys = zip(*pts)
    if len(pts) > 2:
        ax.plot(xs[:-1], ys[:-1], color=color, lw=lw, ls=ls, zorder=z, solid_capstyle="butt")
    head = "-|>" if arrow else "-"
    ax.add_patch(FancyArrowPatch(pts[-2], pts[-1], arrowstyle=head, mutation_scale=12, color=color,
                                 lw=lw, ls=ls, zorder=z, shrinkA=0, shrinkB=0))


def _label(ax, x, y, text, *, color=INK, fs=12, ha="center", va="center", bg=True):
    box = dict(fc="white", ec="none", pad=0.6) if bg else None
    ax.text(x, y, text, ha=ha, va=va, fontsize=fs, color=color, zorder=5, bbox=box)


def _canvas(w, h, xlim, ylim):
    fig, ax = plt.subplots(figsize=(w, h))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.subplots_adjust(0, 0, 1, 1)
    return fig, ax


def _legend(ax, x, y, *, affine=False, fs=11):
    """The key to the boxes and circles, in one row from (x, y)."""
    _box(ax, x, y, 0.7, 0.4, r"$\sigma$", SKY, fs=fs)
    _label(ax, x + 0.45, y, "layer: weights, bias, then σ or tanh", ha="left", fs=fs, bg=False)
    x += 5.3
    if affine:
        _box(ax, x, y, 0.7, 0.4, "", "white")
        _label(ax, x + 0.45, y, "weights and bias only", ha="left", fs=fs, bg=False)
        x += 3.7
    _op(ax, x, y, r"$\odot$", r=0.18)
    _label(ax, x + 0.3, y, "pointwise", ha="left", fs=fs, bg=False)



def cell():
    """The LSTM cell in the style of Olah's diagrams, in the book's symbols."""
    fig, ax = _canvas(9.6, 5.6, (-0.4, 12.4), (-0.6, 6.9))
    _box(ax, 6, 3.1, 9.6, 5.0, "", GREY, ec="#888888", round_=0.4, z=0)
    top, bottom, layer = 5.0, 1.2, 2.4
    # the cell state along the top
    _line(ax, [(-0.3, top), (2.78, top)], lw=2.4)
    _op(ax, 3.0, top, r"$\odot$")
    _line(ax, [(3.22, top), (5.78, top)], lw=2.4)
    _op(ax, 6.0, top, "+")
    _line(ax, [(6.22, top), (12.2, top)], lw=2.4)
    _label(ax, 0.15, top + 0.35, r"$c_{t-1}$", bg=False)
    _label(ax, 11.8, top + 0.35, r"$c_t$", bg=False)
    # [h_{t-1}; x_t] along the bottom, tapped by the four layers
    _line(ax, [(-0.3, bottom), (7.6, bottom)], arrow=False)
    _label(ax, 0.15, bottom - 0.35, r"$h_{t-1}$", bg=False)
    _line(ax, [(1.6, -0.55), (1.6, bottom)], arrow=False)
    ax.plot([1.6], [bottom], "o", color=INK, ms=4, zorder=4)
    _label(ax, 1.6, -0.35, r"$x_t$", ha="left", bg=False)
    layers = [(3.0, r"$\sigma$", SKY, r"$f_t$"), (4.6, r"$\sigma$", SKY, r"$i_t$"),
              (6.0, r"$\tanh$", ORANGE, r"$g_t$"), (7.6, r"$\sigma$", SKY, r"$o_t$")]
    for x, text, fc, _ in layers:
        _line(ax, [(x, bottom), (x, layer - 0.3)])
        _box(ax, x, layer, 0.9, 0.6, text, fc)
    _label(ax, 2.55, 1.75, r"$a^f_t$", fs=11, bg=False)
    _label(ax, 4.15, 1.75, r"$a^i_t$", fs=11, bg=False)
    _label(ax, 5.55, 1.75, r"$a^g_t$", fs=11, bg=False)
    _label(ax, 7.15, 1.75, r"$a^o_t$", fs=11, bg=False)
    # forget: f_t ⊙ c_{t-1}
    _line(ax, [(3.0, layer + 0.3), (3.0, top - 0.22)])
    _label(ax, 3.3, 3.6, r"$f_t$", bg=False)
    # input: i_t ⊙ g_t, added to the cell state
    _op(ax, 6.0, 3.7, r"$\odot$")
    _line(ax, [(4.6, layer + 0.3), (4.6, 3.7), (5.78, 3.7)])
    _label(ax, 4.3, 3.2, r"$i_t$", bg=False)
    _line(ax, [(6.0, layer + 0.3), (6.0, 3.48)])
    _label(ax, 6.3, 3.1, r"$g_t$", bg=False)
    _line(ax, [(6.0, 3.92), (6.0, top - 0.22)])
    # output: h_t = o_t ⊙ tanh(c_t)
    _op(ax, 9.2, 3.8, "tanh", r=0.34, fs=11)
    _line(ax, [(9.2, top), (9.2, 4.14)])
    _op(ax, 9.2, layer, r"$\odot$")
    _line(ax, [(9.2, 3.46), (9.2, layer + 0.22)])
    _line(ax, [(8.05, layer), (8.98, layer)])
    _label(ax, 8.5, layer + 0.3, r"$o_t$", bg=False)
    _line(ax, [(9.2, layer - 0.22), (9.2, 0.5), (12.2, 0.5)])
    _line(ax, [(10.6, 0.5), (10.6, 6.7)])
    ax.plot([10.6], [0.5], "o", color=INK, ms=4, zorder=4)
    _label(ax, 11.8, 0.85, r"$h_t$", bg=False)
    _label(ax, 10.95, 6.45, r"$h_t$", bg=False)
    _legend(ax, 0.6, 6.45)
    return fig


def _step(ax, x0, k, *, c_in, h_in, emph=None):
    """One unrolled step as a box from x0 to x0 + 2.6; returns the x of its right edge."""
    top, bottom = 3.6, 1.4
    _box(ax, x0 + 1.3, 2.5, 2.6, 2.9, "", GREY, ec="#888888", round_=0.2, z=0)
    _label(ax, x0 + 0.05, 0.8, f"step ${k}$", ha="left", fs=12, bg=False)
    _box(ax, x0 + 0.85, 2.2, 1.0, 0.6, "gates", "white", fs=12)
    # c along the top: ⊙ f, + i ⊙ g
    _op(ax, x0 + 0.85, top, r"$\odot$", r=0.18)
    _op(ax, x0 + 1.55, top, "+", r=0.18)
    _line(ax, [(x0 + 0.85, 2.5), (x0 + 0.85, top - 0.18)], lw=1.2)
    _line(ax, [(x0 + 1.2, 2.5), (x0 + 1.55, 2.9), (x0 + 1.55, top - 0.18)], lw=1.2)
    _line(ax, [(x0 + 1.03, top), (x0 + 1.37, top)], lw=1.6, arrow=False)
    _line(ax, [(x0 + 1.73, top), (x0 + 2.6, top)], lw=1.6, arrow=False)
    # h = o ⊙ tanh(c)
    _op(ax, x0 + 2.1, 2.4, "tanh", r=0.3)
    _line(ax, [(x0 + 2.1, top), (x0 + 2.1, 2.7)], lw=1.2)
    _line(ax, [(x0 + 2.1, 2.1), (x0 + 2.1, bottom), (x0 + 2.6, bottom)], lw=1.2, arrow=False)
    # h_{k-1} and x_k into the gates
    _line(ax, [(x0, bottom), (x0 + 0.6, bottom), (x0 + 0.6, 1.9)], lw=1.2)
    _line(ax, [(x0 + 1.1, 0.2), (x0 + 1.1, 1.9)], lw=1.2)
    _label(ax, x0 + 1.1, -0.05, f"$x_{{{k}}}$", fs=12, bg=False)
    _line(ax, [(x0, top), (x0 + 0.67, top)], lw=1.6)
    return x0 + 2.6


def unrolled():
    """BPTT: three unrolled steps, the two families of paths from c_{k-1}, the dummy copies."""
    fig, ax = _canvas(11.0, 5.75, (-0.5, 12.7), (-1.2, 5.7))
    xs = [0.6, 4.6, 8.6]
    names = ["k-1", "k", "k+1"]
    for x0, k in zip(xs, names):
        _step(ax, x0, k, c_in=None, h_in=None)
    top, bottom = 3.6, 1.4
    # links between steps, with the states named
    for (a, b), k in zip([(-0.3, xs[0]), (xs[0] + 2.6, xs[1]), (xs[1] + 2.6, xs[2]), (xs[2] + 2.6, 12.4)],
                         ["k-2", "k-1", "k", "k+1"]):
        _line(ax, [(a, top), (b, top)], lw=1.6)
        _line(ax, [(a, bottom), (b, bottom)], lw=1.2)
        _label(ax, (a + b) / 2, top + 0.3, f"$c_{{{k}}}$", fs=12, bg=False)
        _label(ax, (a + b) / 2, bottom - 0.32, f"$h_{{{k}}}$", fs=12, bg=False)
    # a loss term per step, reading h_k
    for x0, k in zip(xs, names):
        xj = x0 + 2.95
        _line(ax, [(xj, bottom), (xj, 4.9)], lw=1.0, ls=(0, (1, 1.5)))
        _label(ax, xj, 5.15, f"$J_{{{k}}}$", fs=12)
    # shared parameters, one dummy copy per step
    _box(ax, 6.1, 5.35, 1.4, 0.45, r"$W_x, W_h, b$", "white", fs=12)
    for x0, k in zip(xs, names):
        _box(ax, x0 + 1.3, 4.45, 1.0, 0.42, f"$W^{{({k})}}$", "white", fs=12, ls="--")
        _line(ax, [(6.1, 5.12), (x0 + 1.3, 4.65)], lw=0.8, ls="--", arrow=False)
        _line(ax, [(x0 + 1.3, 4.25), (x0 + 1.3, 3.95)], lw=0.8, ls="--")
    # family (a): c_{k-1} -> c_k along the cell state (blue, solid, thick)
    x1 = xs[1]
    ca = (xs[0] + 2.1, top)
    _line(ax, [ca, (x1 + 0.67, top)], color=BLUE, lw=3.2, z=6)
    _line(ax, [(x1 + 1.03, top), (x1 + 1.37, top)], color=BLUE, lw=3.2, arrow=False, z=6)
    _line(ax, [(x1 + 1.73, top), (xs[2] + 0.67, top)], color=BLUE, lw=3.2, z=6)
    _label(ax, ca[0] + 0.4, top + 0.6, r"$c^a$", color=BLUE, fs=13, bg=False)
    # family (b): c_{k-1} -> h_{k-1} -> J_{k-1} and the gates of step k (orange, dashed, thick)
    x0 = xs[0]
    dash = (0, (3, 1.5))
    _line(ax, [(x0 + 2.1, top), (x0 + 2.1, 2.7)], color=ORANGE, lw=3.2, ls=dash, z=6)
    _line(ax, [(x0 + 2.1, 2.1), (x0 + 2.1, bottom), (x1 + 0.6, bottom), (x1 + 0.6, 1.9)],
          color=ORANGE, lw=3.2, ls=dash, z=6)
    _line(ax, [(x0 + 2.95, bottom), (x0 + 2.95, 4.9)], color=ORANGE, lw=3.2, ls=dash, z=6)
    _line(ax, [(x1 + 0.85, 2.5), (x1 + 0.85, top - 0.18)], color=ORANGE, lw=3.2, ls=dash, z=6)
    _line(ax, [(x1 + 1.2, 2.5), (x1 + 1.55, 2.9), (x1 + 1.55, top - 0.18)], color=ORANGE, lw=3.2,
          ls=dash, z=6)
    _label(ax, x0 + 1.72, 3.0, r"$c^b$", color=ORANGE, fs=13, bg=False)
    ax.plot([ca[0]], [top], "o", color=INK, ms=6, zorder=7)
    # legend
    _line(ax, [(0.0, -0.45), (0.8, -0.45)], color=BLUE, lw=3.2, arrow=False)
    _label(ax, 0.95, -0.45, r"along the cell state: $\delta_k \odot f_k$", ha="left", fs=12, bg=False)
    _line(ax, [(0.0, -0.95), (0.8, -0.95)], color=ORANGE, lw=3.2, ls=dash, arrow=False)
    _label(ax, 0.95, -0.95, r"through $h_{k-1}$ and the gates of step $k$: $\gamma_{k-1} \odot o_{k-1} \odot \tanh'(c_{k-1})$",
           ha="left", fs=12, bg=False)
    return fig


def backward():
    """One step's computational graph with ⊙ nodes, forward values and backward messages."""
    fig, ax = _canvas(11.0, 6.0, (-0.6, 13.6), (-0.6, 7.2))
    msg = dict(color=BLUE, fs=12)
    # inputs and the affine map
    _box(ax, 0.3, 1.2, 1.0, 0.5, r"$h_{t-1}$", "white")
    _box(ax, 0.3, 2.6, 1.0, 0.5, r"$x_t$", "white")
    _box(ax, 0.3, 6.0, 1.0, 0.5, r"$c_{t-1}$", "white")
    _box(ax, 2.5, 1.9, 1.9, 1.6, "", "white")
    ax.text(2.5, 2.15, r"$a = W_x x_t$", ha="center", va="center", fontsize=12, zorder=4)
    ax.text(2.5, 1.7, r"$+\, W_h h_{t-1} + b$", ha="center", va="center", fontsize=12, zorder=4)
    _line(ax, [(0.8, 1.2), (1.55, 1.5)])
    _line(ax, [(0.8, 2.6), (1.55, 2.3)])
    _label(ax, 1.1, 0.55, r"$\bar a\, W_h$", **msg)
    _label(ax, 1.1, 3.15, r"$\bar a\, W_x$", **msg)
    _label(ax, 2.5, 0.45, r"$\bar W_x = \bar a^\top x_t,\ \bar W_h = \bar a^\top h_{t-1},\ \bar b = \bar a^\top \mathbf{1}$",
           ha="left", **msg)
    # the four gates
    gates = [("f", r"$\sigma$", SKY, 5.0), ("i", r"$\sigma$", SKY, 3.8), ("g", r"$\tanh$", ORANGE, 2.6),
             ("o", r"$\sigma$", SKY, 1.2)]
    for name, text, fc, y in gates:
        _line(ax, [(3.45, 1.9), (4.55, y)], lw=1.2)
        _box(ax, 5.0, y, 0.9, 0.5, text, fc)
        _label(ax, 4.75, y + (0.4 if y > 1.9 else -0.4), f"$a^{name}$", fs=12, bg=False)
    # f ⊙ c_{t-1}, i ⊙ g, their sum
    _op(ax, 7.0, 6.0, r"$\odot$")
    _op(ax, 7.0, 3.8, r"$\odot$")
    _op(ax, 8.6, 6.0, "+")
    _line(ax, [(0.8, 6.0), (6.78, 6.0)], lw=2.2)
    _line(ax, [(5.45, 5.0), (6.85, 5.84)])
    _line(ax, [(5.45, 3.8), (6.78, 3.8)])
    _line(ax, [(5.45, 2.6), (6.85, 3.64)])
    _line(ax, [(7.22, 6.0), (8.38, 6.0)], lw=2.2)
    _line(ax, [(7.16, 3.96), (8.44, 5.84)])
    _line(ax, [(8.82, 6.0), (13.4, 6.0)], lw=2.2)
    _label(ax, 13.0, 6.35, r"$c_t$", bg=False)
    _label(ax, 5.95, 5.75, r"$f$", bg=False)
    _label(ax, 6.1, 4.05, r"$i$", bg=False)
    _label(ax, 6.0, 2.85, r"$g$", bg=False)
    _label(ax, 3.3, 6.35, r"$\bar c \odot f$", **msg)
    _label(ax, 6.15, 5.15, r"$\bar c \odot c_{t-1}$", **msg)
    _label(ax, 6.1, 3.5, r"$\bar c \odot g$", **msg)
    _label(ax, 5.9, 2.45, r"$\bar c \odot i$", **msg)
    # h_t = o ⊙ tanh(c_t)
    _op(ax, 10.2, 4.4, "tanh", r=0.34, fs=12)
    _op(ax, 10.2, 1.2, r"$\odot$")
    _line(ax, [(10.2, 6.0), (10.2, 4.74)])
    _line(ax, [(10.2, 4.06), (10.2, 1.42)])
    _line(ax, [(5.45, 1.2), (9.98, 1.2)])
    _label(ax, 7.8, 0.9, r"$\bar h \odot \tanh c_t$", **msg)
    _label(ax, 6.0, 1.45, r"$o$", bg=False)
    _line(ax, [(10.42, 1.2), (13.4, 1.2)])
    _label(ax, 13.0, 1.55, r"$h_t$", bg=False)
    _label(ax, 11.8, 5.65, r"$\delta c$", **msg)
    _label(ax, 11.8, 0.85, r"$\bar h = \delta h$", **msg)
    _label(ax, 10.4, 5.25, r"$\bar h \odot o \odot \tanh'(c_t)$", ha="left", **msg)
    _label(ax, 10.4, 2.8, r"$\bar h \odot o$", ha="left", **msg)
    _label(ax, 9.35, 6.55, r"$\bar c = \delta c + \bar h \odot o \odot \tanh'(c_t)$", **msg)
    # the gate pre-activations
    _label(ax, -0.4, 4.4, r"$\bar a^f = \bar f \odot \sigma'(a^f)$, and so on", ha="left", **msg)
    _label(ax, -0.4, 3.9, r"($\tanh'$ for $g$)", ha="left", **msg)
    # legend
    _line(ax, [(-0.4, -0.35), (0.4, -0.35)])
    _label(ax, 0.55, -0.35, "forward: the values", ha="left", fs=12, bg=False)
    _label(ax, 4.3, -0.35, r"$\bar v = \partial L / \partial v$", ha="left", **msg)
    _label(ax, 6.3, -0.35, "backward: the gradient sent back along the edge next to it", ha="left",
           fs=12, bg=False)
    return fig


def _lstm(ax, ox, oy, *, on=None, peep=False):
    """The LSTM cell's outline with its lower left corner at (ox, oy), 9.8 by 4.6 units.

    ``on`` names the parts to highlight ("forget", "write", "state", "output"): they are drawn heavy
    in vermillion, the rest pale; with ``on=None`` all is drawn in ink.  ``peep`` adds the peephole
    connections, dashed and blue."""
    def P(x, y):
        return (ox + x, oy + y)

    def style(*parts):
        if on is None:
            return dict(color=INK, lw=1.6), dict(ec=INK, lw=1.2), True
        if on & set(parts):
            return dict(color=HOT, lw=2.8), dict(ec=HOT, lw=2.2), True
        return dict(color=PALE, lw=1.2), dict(ec=PALE, lw=1.0), False

    def line(pts, *parts, arrow=True):
        _line(ax, [P(*q) for q in pts], arrow=arrow, **style(*parts)[0])

    def op(x, y, symbol, *parts, r=0.22):
        node, hot = style(*parts)[1:]
        _op(ax, *P(x, y), symbol, r=r, fs=11, tc=None if hot else PALE_INK, **node)

    def layer(x, text, fc, part):
        node, hot = style(part)[1:]
        _box(ax, *P(x, 2.2), 0.8, 0.5, text, fc if hot else "white", fs=12, tc=INK if hot else PALE_INK, **node)

    def name(x, y, text, *parts, **kw):
        """A label: in ink without ``parts``, else in the colour of its part (pale text if pale)."""
        color = style(*parts)[0]["color"] if parts else INK
        _label(ax, *P(x, y), text, color=PALE_INK if color == PALE else color, bg=False, **kw)

    top, bus, mid = 4.3, 1.2, 3.3
    _box(ax, *P(4.9, 2.75), 8.4, 4.3, "", GREY, ec="#888888", round_=0.35, z=0)
    # the cell state along the top
    line([(0, top), (2.38, top)], "forget")
    op(2.6, top, r"$\odot$", "forget")
    line([(2.82, top), (4.78, top)], "forget", "state")
    op(5.0, top, "+", "state")
    line([(5.22, top), (7.8, top)], "state", "output", arrow=False)
    line([(7.8, top), (9.8, top)], "state")
    name(0.35, top + 0.3, r"$c_{t-1}$")
    name(9.45, top + 0.3, r"$c_t$")
    # [h_{t-1}; x_t] along the bottom, into the four layers
    line([(0, bus), (6.4, bus)], "", arrow=False)
    line([(1.6, 0.0), (1.6, bus)], "", arrow=False)
    ax.plot(*P(1.6, bus), "o", color=INK if on is None else PALE, ms=4, zorder=4)
    name(0.35, bus - 0.3, r"$h_{t-1}$")
    name(1.75, 0.2, r"$x_t$", ha="left")
    for x, text, fc, part in [(2.6, r"$\sigma$", SKY, "forget"), (3.8, r"$\sigma$", SKY, "write"),
                              (5.0, r"$\tanh$", ORANGE, "write"), (6.4, r"$\sigma$", SKY, "output")]:
        line([(x, bus), (x, 1.95)], part)
        layer(x, text, fc, part)
    # forget: f_t ⊙ c_{t-1}
    line([(2.6, 2.45), (2.6, top - 0.22)], "forget")
    name(2.85, 3.65, r"$f_t$", "forget")
    # write: i_t ⊙ g_t, added to the cell state
    line([(3.8, 2.45), (3.8, mid), (4.78, mid)], "write")
    line([(5.0, 2.45), (5.0, mid - 0.22)], "write")
    op(5.0, mid, r"$\odot$", "write")
    line([(5.0, mid + 0.22), (5.0, top - 0.22)], "write", "state")
    name(4.05, 2.85, r"$i_t$", "write")
    name(5.28, 2.8, r"$g_t$", "write")
    # output: h_t = o_t ⊙ tanh(c_t)
    line([(7.8, top), (7.8, mid + 0.36)], "output")
    op(7.8, mid, "tanh", "output", r=0.36)
    line([(7.8, mid - 0.36), (7.8, 2.42)], "output")
    op(7.8, 2.2, r"$\odot$", "output")
    line([(6.8, 2.2), (7.58, 2.2)], "output")
    name(7.15, 2.5, r"$o_t$", "output")
    line([(7.8, 1.98), (7.8, 0.8), (9.8, 0.8)], "output")
    name(9.45, 1.1, r"$h_t$")
    if peep:
        blue = dict(color=BLUE, lw=1.8, ls=(0, (3, 1.5)), z=5)
        _line(ax, [P(1.3, top), P(1.3, 2.75), P(3.55, 2.75), P(3.55, 2.45)], **blue)
        _line(ax, [P(2.35, 2.75), P(2.35, 2.45)], **blue)
        _line(ax, [P(6.2, top), P(6.2, 2.45)], **blue)
        for x, y in [(1.3, top), (2.35, 2.75), (6.2, top)]:
            ax.plot(*P(x, y), "o", color=BLUE, ms=4.5, zorder=6)
        _label(ax, *P(1.2, 3.45), r"$p^f\!,\, p^i$", color=BLUE, ha="right", bg=False)
        _label(ax, *P(6.3, 3.7), r"$p^o$", color=BLUE, ha="left", bg=False)


def forward_steps():
    """The forward pass in four panels, one part of the cell highlighted in each (after Olah)."""
    fig, ax = _canvas(9.9, 5.75, (-0.1, 20.5), (-0.1, 11.85))
    panels = [("forget", r"1. forget: $f_t \odot c_{t-1}$"), ("write", r"2. write: $i_t \odot g_t$"),
              ("state", r"3. new state: $c_t = f_t \odot c_{t-1} + i_t \odot g_t$"),
              ("output", r"4. output: $h_t = o_t \odot \tanh(c_t)$")]
    for k, (part, title) in enumerate(panels):
        ox, oy = 10.6 * (k % 2), 6.0 * (1 - k // 2)
        _lstm(ax, ox, oy, on={part})
        _label(ax, ox + 0.1, oy + 5.45, title, ha="left", fs=12, bg=False)
    return fig


def peephole():
    """The LSTM cell with the peephole connections c_{t-1} -> i, f and c_t -> o."""
    fig, ax = _canvas(7.5, 4.6, (-0.2, 10.0), (-1.25, 4.95))
    _lstm(ax, 0, 0, peep=True)
    _line(ax, [(0.0, -0.85), (0.8, -0.85)], color=BLUE, lw=1.8, ls=(0, (3, 1.5)), arrow=False)
    _label(ax, 0.95, -0.85, r"peephole: $p \odot c$ added to the gate's pre-activation", ha="left",
           fs=11, bg=False)
    _label(ax, 0.0, -0.35, r"$i_t, f_t$ read $c_{t-1}$;  $o_t$ reads $c_t$", ha="left", fs=11, bg=False)
    return fig


def elman():
    """The Elman cell: [x_t, h_{t-1}] -> affine -> tanh -> h_t."""
    fig, ax = _canvas(7.0, 4.04, (-0.4, 8.35), (-1.1, 3.95))
    _box(ax, 3.3, 1.75, 5.4, 2.9, "", GREY, ec="#888888", round_=0.3, z=0)
    bus, out = 0.7, 2.5
    _line(ax, [(-0.3, bus), (3.0, bus)], arrow=False)
    _line(ax, [(1.4, -0.3), (1.4, bus)], arrow=False)
    ax.plot([1.4], [bus], "o", color=INK, ms=4, zorder=4)
    _label(ax, 0.1, bus + 0.3, r"$h_{t-1}$", bg=False)
    _label(ax, 1.55, -0.2, r"$x_t$", ha="left", bg=False)
    _line(ax, [(3.0, bus), (3.0, 1.1)])
    _box(ax, 3.0, 1.4, 2.9, 0.6, r"$W_x x_t + W_h h_{t-1} + b$", "white", fs=12)
    _line(ax, [(3.0, 1.7), (3.0, out - 0.36)])
    _label(ax, 3.3, 1.95, r"$a_t$", ha="left", bg=False)
    _op(ax, 3.0, out, "tanh", r=0.36, fs=11)
    _line(ax, [(3.36, out), (8.2, out)])
    _line(ax, [(6.6, out), (6.6, 3.65)])
    ax.plot([6.6], [out], "o", color=INK, ms=4, zorder=4)
    _label(ax, 7.8, out - 0.3, r"$h_t$", bg=False)
    _label(ax, 6.9, 3.45, r"$h_t$", bg=False)
    _box(ax, -0.05, -0.7, 0.55, 0.35, "", "white")
    _label(ax, 0.35, -0.7, "weights and bias", ha="left", fs=11, bg=False)
    _op(ax, 3.9, -0.7, "tanh", r=0.3, fs=11)
    _label(ax, 4.3, -0.7, "pointwise", ha="left", fs=11, bg=False)
    return fig


def gru():
    """PyTorch's GRU: reset r on W_hn h + b_hn, update z mixing the candidate n with h_{t-1}."""
    fig, ax = _canvas(9.5, 5.6, (-0.6, 12.6), (-1.0, 6.8))
    _box(ax, 5.8, 3.65, 10.6, 5.5, "", GREY, ec="#888888", round_=0.4, z=0)
    top, hbus, xbus, gate, mid = 6.0, 1.4, 0.6, 2.7, 3.9
    # the state along the top: z ⊙ h_{t-1}, plus (1 - z) ⊙ n
    _line(ax, [(-0.5, top), (2.18, top)], lw=2.4)
    _op(ax, 2.4, top, r"$\odot$")
    _line(ax, [(2.62, top), (9.78, top)], lw=2.4)
    _op(ax, 10.0, top, "+")
    _line(ax, [(10.22, top), (12.4, top)], lw=2.4)
    _label(ax, -0.1, top + 0.35, r"$h_{t-1}$", bg=False)
    _label(ax, 12.0, top + 0.35, r"$h_t$", bg=False)
    # h_{t-1} and x_t on two lines along the bottom
    _line(ax, [(0.8, top), (0.8, hbus), (5.6, hbus)], arrow=False)
    _line(ax, [(-0.5, xbus), (7.8, xbus)], arrow=False)
    _label(ax, -0.1, xbus - 0.35, r"$x_t$", bg=False)
    ax.plot([0.8], [top], "o", color=INK, ms=4, zorder=4)
    # the gates read both
    for x, name in [(2.4, "z"), (3.6, "r")]:
        _line(ax, [(x, xbus), (x, gate - 0.25)])
        ax.plot([x, x], [xbus, hbus], "o", color=INK, ms=4, zorder=4)
        _box(ax, x, gate, 0.8, 0.5, r"$\sigma$", SKY)
    _line(ax, [(2.4, gate + 0.25), (2.4, top - 0.22)])
    _label(ax, 2.15, 3.5, r"$z_t$", bg=False)
    _line(ax, [(3.6, gate + 0.25), (3.6, mid), (5.38, mid)])
    _label(ax, 4.1, mid + 0.3, r"$r_t$", bg=False)
    # the candidate: tanh(a^n + r ⊙ u^n)
    _line(ax, [(5.6, hbus), (5.6, gate - 0.3)])
    _box(ax, 5.6, gate, 1.7, 0.6, r"$W_{hn}, b_{hn}$", "white", fs=12)
    _line(ax, [(5.6, gate + 0.3), (5.6, mid - 0.22)])
    _label(ax, 5.85, 3.45, r"$u^n_t$", ha="left", bg=False)
    _op(ax, 5.6, mid, r"$\odot$")
    _line(ax, [(7.8, xbus), (7.8, gate - 0.3)])
    ax.plot([7.8], [xbus], "o", color=INK, ms=4, zorder=4)
    _box(ax, 7.8, gate, 1.6, 0.6, r"$W_{xn}, b_{xn}$", "white", fs=12)
    _line(ax, [(7.8, gate + 0.3), (7.8, mid - 0.22)])
    _label(ax, 8.05, 3.45, r"$a^n_t$", ha="left", bg=False)
    _line(ax, [(5.82, mid), (7.58, mid)])
    _op(ax, 7.8, mid, "+")
    _line(ax, [(8.02, mid), (8.74, mid)])
    _op(ax, 9.1, mid, "tanh", r=0.36, fs=11)
    _line(ax, [(9.46, mid), (10.0, mid), (10.0, 4.78)])
    _label(ax, 10.3, 4.35, r"$n_t$", bg=False)
    # (1 - z) ⊙ n, into the sum on the state line
    _line(ax, [(2.4, 5.0), (8.74, 5.0)])
    ax.plot([2.4], [5.0], "o", color=INK, ms=4, zorder=4)
    _op(ax, 9.1, 5.0, "1−", r=0.36, fs=11)
    _line(ax, [(9.46, 5.0), (9.78, 5.0)])
    _op(ax, 10.0, 5.0, r"$\odot$")
    _line(ax, [(10.0, 5.22), (10.0, top - 0.22)])
    _label(ax, 9.1, 5.6, r"$1 - z_t$", bg=False)
    _legend(ax, 0.0, -0.6, affine=True)
    return fig


def _chain(ax, xs, y, text, names, *, reverse=False, first=None, lead=1.35):
    """One layer (or direction) unrolled: a box per step at ``xs``, the state passed between them,
    from ``first`` (an arrow ``lead`` long into the first step) to the last name (out of the last)."""
    w, sign = 1.0, -1 if reverse else 1
    order = xs[::-1] if reverse else xs
    for x in xs:
        _box(ax, x, y, w, 0.6, text, GREY, ec="#888888", fs=12, round_=0.12)
    tails = [order[0] - sign * lead] + [x + sign * w / 2 for x in order]
    heads = [x - sign * w / 2 for x in order] + [order[-1] + sign * 1.35]
    for j, (a, b, k) in enumerate(zip(tails, heads, [first] + names)):
        _line(ax, [(a, y), (b, y)])
        # the labels keep clear of the other direction's lines, which cross near the heads
        at = a + sign * 0.45 if j == 0 else (a + b) / 2 - (sign * 0.25 if j < len(xs) else 0)
        _label(ax, at, y + 0.3, k, fs=11, bg=False)


def layers():
    """Left: a 2-layer stack over 3 steps; right: one bidirectional layer, its outputs concatenated."""
    fig, ax = _canvas(10.2, 4.3, (-0.1, 17.9), (-0.6, 6.98))
    # a stack of two layers
    xs = [1.7, 4.2, 6.7]
    _label(ax, 0.0, 6.6, "two layers, stacked", ha="left", bg=False)
    for l, y in [(1, 1.7), (2, 4.0)]:
        _chain(ax, xs, y, rf"$\theta^{{({l})}}$", [rf"$s^{{({l})}}_{t}$" for t in (1, 2, 3)],
               first=rf"$s^{{({l})}}_0$")
    for t, x in enumerate(xs, 1):
        _line(ax, [(x, 0.3), (x, 1.4)])
        _label(ax, x, 0.05, f"$x_{t}$", bg=False)
        _line(ax, [(x, 2.0), (x, 3.7)])
        _label(ax, x + 0.12, 2.85, rf"$h^{{(1)}}_{t}$", ha="left", fs=11, bg=False)
        _line(ax, [(x, 4.3), (x, 5.4)])
        _label(ax, x, 5.75, rf"$h^{{(2)}}_{t}$", bg=False)
    # a bidirectional layer
    xs = [10.7, 13.2, 15.7]
    _label(ax, 9.0, 6.6, r"one bidirectional layer", ha="left", bg=False)
    fwd, rev, cat = 3.3, 1.7, 4.75
    _chain(ax, [x + 0.5 for x in xs], fwd, r"$\overrightarrow{\theta}$",
           [rf"$\overrightarrow{{s}}_{t}$" for t in (1, 2, 3)], first=r"$\overrightarrow{s}_0$", lead=2.1)
    _chain(ax, [x - 0.5 for x in xs], rev, r"$\overleftarrow{\theta}$",
           [rf"$\overleftarrow{{s}}_{t}$" for t in (3, 2, 1)], first=r"$\overleftarrow{s}_4$", reverse=True, lead=2.1)
    for t, x in enumerate(xs, 1):
        _line(ax, [(x, 0.3), (x, 0.75)], arrow=False)
        _line(ax, [(x - 0.5, 0.75), (x + 0.5, 0.75)], arrow=False)
        ax.plot([x], [0.75], "o", color=INK, ms=4, zorder=4)
        _label(ax, x, 0.05, f"$x_{t}$", bg=False)
        _line(ax, [(x - 0.5, 0.75), (x - 0.5, rev - 0.3)])
        _line(ax, [(x + 0.5, 0.75), (x + 0.5, fwd - 0.3)])
        _line(ax, [(x - 0.5, rev + 0.3), (x - 0.5, cat - 0.25)])
        _line(ax, [(x + 0.5, fwd + 0.3), (x + 0.5, cat - 0.25)])
        _box(ax, x, cat, 1.95, 0.5, "concatenate", "white", fs=11)
        _line(ax, [(x, cat + 0.25), (x, 5.4)])
        _label(ax, x, 5.75, rf"$[\overrightarrow{{h}}_{t};\overleftarrow{{h}}_{t}]$", bg=False)
    return fig


FIGURES = {"lstm_cell.svg": cell, "bptt_unrolled.svg": unrolled, "cell_backward_graph.svg": backward,
           "lstm_forward_steps.svg": forward_steps, "elman_cell.svg": elman, "gru_cell.svg": gru,
           "peephole_cell.svg": peephole, "layers_stacked_bidirectional.svg": layers}


def render(draw) -> bytes:
    with plt.rc_context(RC):
        fig = draw()
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
        plt.close(fig)
    return out.getvalue()


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, draw in FIGURES.items():
        data, path = render(draw), HERE / name
        if check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(name)
        else:
            path.write_bytes(data)
    if stale:
        print("out of date (run book/figures/draw.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
