"""The digest's chart: choices per week as stacked bars, drawn to a PNG.

matplotlib is imported only when a chart is drawn (importing this module stays cheap), and
pyplot is never used: a Figure with its own Agg canvas shares no global state, so two threads
can draw at once.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from bot.messages.digest import day_label

WIDTH_IN, HEIGHT_IN, DPI = 8, 4, 100  # exactly 800 x 400 pixels
TITLE_MAX = 80  # what fits across 800 pixels
# Okabe–Ito colours (readable with colour-blindness) plus a hatch each, so the three choices
# stay distinct in greyscale too.
STYLES = {
    "follow": {"color": "#0072B2", "hatch": "//", "label": "follow"},
    "take": {"color": "#E69F00", "hatch": "..", "label": "take the lead"},
    "pass": {"color": "#BBBBBB", "hatch": "xx", "label": "pass"},
}


def render_weekly_chart(weeks: Sequence[tuple[date, dict[str, int]]], title: str) -> bytes:
    """Stacked bars of follow / take / pass per week (oldest first), as an 800x400 PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    positions = list(range(len(weeks)))
    bottoms = [0] * len(weeks)
    for choice, style in STYLES.items():
        heights = [counts.get(choice, 0) for _, counts in weeks]
        ax.bar(positions, heights, bottom=bottoms, width=0.6, color=style["color"],
               hatch=style["hatch"], edgecolor="#333333", linewidth=0.6, label=style["label"])
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    ax.set_xticks(positions, [day_label(day) for day, _ in weeks])
    ax.set_xlabel("Week starting")
    ax.set_ylabel("Answers")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max([*bottoms, 1]))  # an all-zero chart still has a 0-1 axis
    ax.spines[["top", "right"]].set_visible(False)
    # above the bars, so it never hides one
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3, frameon=False)
    fig.suptitle(title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…")
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()
