"""Draw the book's three diagrams as SVG files next to this script.

    .venv/bin/python book/figures/draw.py          # rewrite the SVG files
    .venv/bin/python book/figures/draw.py --check  # fail if a file is out of date

Offline and deterministic: matplotlib's own mathtext (no LaTeX), text
stored as paths, no date in the metadata and a fixed hash salt, so the same
matplotlib version writes the same bytes (tests/test_book.py checks this).
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
RC = {"svg.hashsalt": "lstm-derived", "svg.fonttype": "path", "font.size": 12, "mathtext.fontset": "dejavusans"}


def _box(ax, x, y, w, h, text, fc, *, ec=INK, fs=13, ls="-", round_=0.08, tc=INK, z=3):
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle=f"round,pad=0,rounding_size={round_}",
                                fc=fc, ec=ec, lw=1.2, ls=ls, zorder=z))
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=fs, color=tc, zorder=4)


def _op(ax, x, y, symbol, *, r=0.22, ec=INK):
    """A pointwise operation: a circle with ⊙, + or tanh in it."""
    ax.add_patch(Circle((x, y), r, fc="white", ec=ec, lw=1.2, zorder=3))
    size = 8 if symbol == "tanh" else 13 if symbol == "+" else 19 * r / 0.22
    ax.text(x, y, symbol, ha="center", va="center", fontsize=size, zorder=4)


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
    _label(ax, 2.55, 1.75, r"$a^f_t$", fs=10, bg=False)
    _label(ax, 4.15, 1.75, r"$a^i_t$", fs=10, bg=False)
    _label(ax, 5.55, 1.75, r"$a^g_t$", fs=10, bg=False)
    _label(ax, 7.15, 1.75, r"$a^o_t$", fs=10, bg=False)
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
    _op(ax, 9.2, 3.8, "tanh", r=0.34)
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
    # legend
    _box(ax, 0.6, 6.45, 0.7, 0.4, r"$\sigma$", SKY, fs=10)
    _label(ax, 1.05, 6.45, "layer: weights, bias, then σ or tanh", ha="left", fs=9, bg=False)
    _op(ax, 5.9, 6.45, r"$\odot$", r=0.18)
    _label(ax, 6.2, 6.45, "pointwise", ha="left", fs=9, bg=False)
    return fig


def _step(ax, x0, k, *, c_in, h_in, emph=None):
    """One unrolled step as a box from x0 to x0 + 2.6; returns the x of its right edge."""
    top, bottom = 3.6, 1.4
    _box(ax, x0 + 1.3, 2.5, 2.6, 2.9, "", GREY, ec="#888888", round_=0.2, z=0)
    _label(ax, x0 + 0.3, 3.95 - 0.15, f"step ${k}$", ha="left", fs=9, bg=False)
    _box(ax, x0 + 0.85, 2.2, 1.0, 0.6, "gates", "white", fs=10)
    # c along the top: ⊙ f, + i ⊙ g
    _op(ax, x0 + 0.85, top, r"$\odot$", r=0.18)
    _op(ax, x0 + 1.55, top, "+", r=0.18)
    _line(ax, [(x0 + 0.85, 2.5), (x0 + 0.85, top - 0.18)], lw=1.2)
    _line(ax, [(x0 + 1.2, 2.5), (x0 + 1.55, 2.9), (x0 + 1.55, top - 0.18)], lw=1.2)
    _line(ax, [(x0 + 1.03, top), (x0 + 1.37, top)], lw=1.6, arrow=False)
    _line(ax, [(x0 + 1.73, top), (x0 + 2.6, top)], lw=1.6, arrow=False)
    # h = o ⊙ tanh(c)
    _op(ax, x0 + 2.1, 2.4, "tanh", r=0.26)
    _line(ax, [(x0 + 2.1, top), (x0 + 2.1, 2.66)], lw=1.2)
    _line(ax, [(x0 + 2.1, 2.14), (x0 + 2.1, bottom), (x0 + 2.6, bottom)], lw=1.2, arrow=False)
    # h_{k-1} and x_k into the gates
    _line(ax, [(x0, bottom), (x0 + 0.6, bottom), (x0 + 0.6, 1.9)], lw=1.2)
    _line(ax, [(x0 + 1.1, 0.2), (x0 + 1.1, 1.9)], lw=1.2)
    _label(ax, x0 + 1.1, -0.05, f"$x_{{{k}}}$", fs=11, bg=False)
    _line(ax, [(x0, top), (x0 + 0.67, top)], lw=1.6)
    return x0 + 2.6


def unrolled():
    """BPTT: three unrolled steps, the two families of paths from c_{k-1}, the dummy copies."""
    fig, ax = _canvas(11.0, 5.4, (-0.5, 12.7), (-0.5, 5.8))
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
        _label(ax, (a + b) / 2, top + 0.28, f"$c_{{{k}}}$", fs=10, bg=False)
        _label(ax, (a + b) / 2, bottom - 0.3, f"$h_{{{k}}}$", fs=10, bg=False)
    # a loss term per step, reading h_k
    for x0, k in zip(xs, names):
        xj = x0 + 2.95
        _line(ax, [(xj, bottom), (xj, 4.9)], lw=1.0, ls=(0, (1, 1.5)))
        _label(ax, xj, 5.15, f"$J_{{{k}}}$", fs=11)
    # shared parameters, one dummy copy per step
    _box(ax, 6.1, 5.35, 1.0, 0.45, r"$W_x, W_h, b$", "white", fs=9)
    for x0, k in zip(xs, names):
        _box(ax, x0 + 1.3, 4.45, 0.8, 0.4, f"$W^{{({k})}}$", "white", fs=9, ls="--")
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
    _line(ax, [(x0 + 2.1, top), (x0 + 2.1, 2.66)], color=ORANGE, lw=3.2, ls=dash, z=6)
    _line(ax, [(x0 + 2.1, 2.14), (x0 + 2.1, bottom), (x1 + 0.6, bottom), (x1 + 0.6, 1.9)],
          color=ORANGE, lw=3.2, ls=dash, z=6)
    _line(ax, [(x0 + 2.95, bottom), (x0 + 2.95, 4.9)], color=ORANGE, lw=3.2, ls=dash, z=6)
    _line(ax, [(x1 + 0.85, 2.5), (x1 + 0.85, top - 0.18)], color=ORANGE, lw=3.2, ls=dash, z=6)
    _line(ax, [(x1 + 1.2, 2.5), (x1 + 1.55, 2.9), (x1 + 1.55, top - 0.18)], color=ORANGE, lw=3.2,
          ls=dash, z=6)
    _label(ax, x0 + 1.72, 3.0, r"$c^b$", color=ORANGE, fs=13, bg=False)
    ax.plot([ca[0]], [top], "o", color=INK, ms=6, zorder=7)
    # legend
    _line(ax, [(0.0, -0.35), (0.8, -0.35)], color=BLUE, lw=3.2, arrow=False)
    _label(ax, 0.95, -0.35, r"along the cell state: $\delta_k \odot f_k$", ha="left", fs=10, bg=False)
    _line(ax, [(3.9, -0.35), (4.7, -0.35)], color=ORANGE, lw=3.2, ls=dash, arrow=False)
    _label(ax, 4.85, -0.35, r"through $h_{k-1}$ and the gates of step $k$: $\gamma_{k-1} \odot o_{k-1} \odot \tanh'(c_{k-1})$",
           ha="left", fs=10, bg=False)
    return fig


def backward():
    """One step's computational graph with ⊙ nodes, forward values and backward messages."""
    fig, ax = _canvas(11.0, 6.0, (-0.6, 13.6), (-0.6, 7.2))
    msg = dict(color=BLUE, fs=10)
    # inputs and the affine map
    _box(ax, 0.3, 1.2, 1.0, 0.5, r"$h_{t-1}$", "white")
    _box(ax, 0.3, 2.6, 1.0, 0.5, r"$x_t$", "white")
    _box(ax, 0.3, 6.0, 1.0, 0.5, r"$c_{t-1}$", "white")
    _box(ax, 2.5, 1.9, 1.5, 1.6, "", "white")
    ax.text(2.5, 2.15, r"$a = W_x x_t$", ha="center", va="center", fontsize=10, zorder=4)
    ax.text(2.5, 1.75, r"$+\, W_h h_{t-1} + b$", ha="center", va="center", fontsize=10, zorder=4)
    _line(ax, [(0.8, 1.2), (1.75, 1.6)])
    _line(ax, [(0.8, 2.6), (1.75, 2.2)])
    _label(ax, 1.1, 0.55, r"$\bar a\, W_h$", **msg)
    _label(ax, 1.1, 3.15, r"$\bar a\, W_x$", **msg)
    _label(ax, 2.5, 0.6, r"$\bar W_x = \bar a^\top x_t,\ \bar W_h = \bar a^\top h_{t-1},\ \bar b = \bar a^\top \mathbf{1}$",
           ha="left", **msg)
    # the four gates
    gates = [("f", r"$\sigma$", SKY, 5.0), ("i", r"$\sigma$", SKY, 3.8), ("g", r"$\tanh$", ORANGE, 2.6),
             ("o", r"$\sigma$", SKY, 1.2)]
    for name, text, fc, y in gates:
        _line(ax, [(3.25, 1.9), (4.55, y)], lw=1.2)
        _box(ax, 5.0, y, 0.9, 0.5, text, fc)
        _label(ax, 4.3, y + (0.34 if y > 1.9 else -0.34), f"$a^{name}$", fs=10, bg=False)
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
    _op(ax, 10.2, 4.4, "tanh", r=0.34)
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
    _label(ax, 0.55, -0.35, "forward: the values", ha="left", fs=10, bg=False)
    _label(ax, 4.3, -0.35, r"$\bar v = \partial L / \partial v$", ha="left", **msg)
    _label(ax, 6.3, -0.35, "backward: the gradient sent back along the edge next to it", ha="left",
           fs=10, bg=False)
    return fig


FIGURES = {"lstm_cell.svg": cell, "bptt_unrolled.svg": unrolled, "cell_backward_graph.svg": backward}


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
