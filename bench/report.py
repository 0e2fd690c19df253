"""Where benchmark results go: JSON and a PNG bar chart under bench/results/ (git-ignored)."""

import json
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def percentile_ms(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def stem(name: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    return RESULTS / f"{name}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"


def write_json(path: Path, payload: dict[str, Any]) -> Path:
    target = path.with_suffix(".json")
    target.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def pyplot() -> Any | None:
    """matplotlib's pyplot drawing to files, or None when the `bench` extra is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install -e '.[bench]'): no chart", file=sys.stderr)
        return None
    return plt


def bar_chart(
    path: Path,
    title: str,
    groups: list[str],
    series: dict[str, list[float]],
    ylabel: str,
    labels: list[str] | None = None,
) -> Path | None:
    """Grouped bars, one group per entry of `groups`, one bar per series; `labels` go above
    each group. None when matplotlib (the `bench` extra) is not installed."""
    plt = pyplot()
    if plt is None:
        return None
    width = 0.8 / len(series)
    figure, axes = plt.subplots(figsize=(2.6 * len(groups) + 2, 4.8))
    for offset, (name, values) in enumerate(series.items()):
        positions = [i + (offset - (len(series) - 1) / 2) * width for i in range(len(groups))]
        axes.bar(positions, values, width, label=name)
    tallest = max(max(values) for values in series.values())
    for i, label in enumerate(labels or []):
        axes.text(i, tallest * 1.04, label, ha="center", fontsize=9)
    axes.set_xticks(range(len(groups)), groups, fontsize=8)
    axes.set_ylabel(ylabel)
    axes.set_ylim(0, tallest * 1.15)
    axes.set_title(title, fontsize=10)
    axes.legend()
    figure.tight_layout()
    target = path.with_suffix(".png")
    figure.savefig(target, dpi=110)
    plt.close(figure)
    return target
