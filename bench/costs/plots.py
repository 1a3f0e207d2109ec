"""The results drawn (matplotlib, SVG): one figure per measure, a panel per mail latency
stacked so each is as wide as the page, a line per way, concurrency along the bottom, the
legend below them all. Read from the JSON only. matplotlib is loaded when a figure is drawn:
the docs hook reads FIGURES without it.
"""

from __future__ import annotations

import io

FIGURES = {
    "response": ("Response time, p50 (solid) and p95 (dotted)", "response_ms", None),
    "delivery": ("Request to email delivered, p50 (solid) and p95 (dotted)", "delivery_ms", None),
    "unrelated": (
        "Unrelated endpoint during the load, p95: async def (solid), def (dotted)",
        "probe_ms",
        None,
    ),
}


def series(data: dict, mode: str, latency: int, measure: str) -> tuple[list, list, list]:
    xs, solid, dotted = [], [], []
    for cell in data["cells"]:
        if cell["mode"] != mode or cell["mail_latency_ms"] != latency or "skipped" in cell:
            continue
        xs.append(cell["concurrency"])
        if measure == "probe_ms":
            solid.append(cell[measure]["async"]["p95"])
            dotted.append(cell[measure].get("def", {}).get("p95"))
        else:
            solid.append(cell[measure]["p50"])
            dotted.append(cell[measure]["p95"])
    return xs, solid, dotted


PANEL_INCHES = (8.0, 3.0)  # shown at the page's width (about 720 px): text stays legible


def figure(data: dict, title: str, measure: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    matplotlib.rcParams["svg.hashsalt"] = "costs"  # the same JSON draws the same file
    matplotlib.rcParams["font.size"] = 11
    latencies = data["settings"]["mail_latencies_ms"]
    width, height = PANEL_INCHES
    legend_inches = 0.3 * ((len(data["modes"]) + 1) // 2) + 0.4
    fig, axes = plt.subplots(
        len(latencies),
        1,
        figsize=(width, height * len(latencies) + legend_inches),
        sharex=True,
        squeeze=False,
    )
    colours = plt.get_cmap("tab10")
    for ax, latency in zip(axes[:, 0], latencies, strict=True):
        for n, mode in enumerate(data["modes"]):
            if measure == "delivery_ms" and mode["key"] == "no-task":
                continue
            xs, solid, dotted = series(data, mode["key"], latency, measure)
            if not xs:
                continue
            colour = colours(n)
            label = f"{mode['number']} {mode['label']}"
            ax.plot(xs, solid, marker="o", color=colour, label=label)
            points = [(x, y) for x, y in zip(xs, dotted, strict=True) if y is not None]
            if points:
                ax.plot(*zip(*points, strict=True), marker=".", linestyle=":", color=colour)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(
            data["settings"]["concurrencies"], [str(c) for c in data["settings"]["concurrencies"]]
        )
        ax.set_title(f"mail server {latency} ms", loc="left", fontsize="medium")
        ax.set_ylabel("ms (log)")
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
        ax.grid(True, which="major", alpha=0.3)
    axes[-1][0].set_xlabel("concurrent clients")
    handles, labels = axes[0][0].get_legend_handles_labels()
    total = height * len(latencies) + legend_inches
    fig.legend(handles, labels, loc="lower center", ncols=2, frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, legend_inches / total, 1, 1))
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    return buffer.getvalue()


def render(data: dict) -> dict[str, str]:
    """File name -> SVG text, for every figure."""
    return {
        f"{data['kind']}-{name}.svg": figure(data, title, measure)
        for name, (title, measure, _) in FIGURES.items()
    }
