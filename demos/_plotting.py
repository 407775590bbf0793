"""Shared plotting helpers for the demos: headless matplotlib, output folders, decision boundaries.

The demos draw with matplotlib (the optional ``plot`` extra: ``pip install -e ".[plot]"``) on
the Agg backend, so they run the same on a laptop, a server and in CI, writing PNG files
instead of opening windows.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

try:
    import matplotlib
except ImportError as error:  # pragma: no cover - depends on the environment
    raise SystemExit(
        "the demos draw with matplotlib, which is not installed: "
        'pip install -e ".[plot]" (or pip install matplotlib)'
    ) from error

matplotlib.use("Agg")  # no windows: every picture goes to a file

import matplotlib.pyplot as plt

__all__ = ["CLASS_COLORS", "decision_boundary", "out_dir", "plt", "save", "scatter_classes"]

#: One colour per class (colour-blind friendly: blue, orange, green).
CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c")

DEMOS = Path(__file__).resolve().parent


def out_dir(name: str, out: str | os.PathLike[str] | None) -> Path:
    """The folder a demo writes to: ``out`` if given, else demos/out/<name>/; created if needed."""
    path = Path(out) if out is not None else DEMOS / "out" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(fig: matplotlib.figure.Figure, path: Path) -> Path:
    """Write ``fig`` as a PNG at ``path``, close it, and say where it went."""
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {path}")
    return path


def scatter_classes(ax: plt.Axes, X: np.ndarray, labels: np.ndarray, names: list[str]) -> None:
    """Draw the data points, one colour and legend entry per class."""
    for k, name in enumerate(names):
        pts = X[labels == k]
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            s=28,
            color=CLASS_COLORS[k],
            edgecolor="black",
            linewidth=0.6,
            label=name,
            zorder=3,
        )


def decision_boundary(
    ax: plt.Axes,
    score: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    labels: np.ndarray,
    *,
    threshold: float,
    resolution: int = 60,
    margin: float = 0.5,
    names: tuple[str, str] = ("class 0", "class 1"),
) -> None:
    """Shade where a binary classifier says class 0 or 1, draw its boundary and the data.

    ``score(points)`` maps an (m, 2) array of points to m scores; a score above ``threshold``
    means class 1 (0.0 for hinge-loss scores, 0.5 for probabilities). The boundary is the
    contour line score = threshold.
    """
    lo = X.min(axis=0) - margin
    hi = X.max(axis=0) + margin
    gx = np.linspace(lo[0], hi[0], resolution)
    gy = np.linspace(lo[1], hi[1], resolution)
    xx, yy = np.meshgrid(gx, gy)
    zz = np.asarray(score(np.column_stack([xx.ravel(), yy.ravel()]))).reshape(xx.shape)
    side = (zz > threshold).astype(float)
    cmap = matplotlib.colors.ListedColormap(["#c6dbef", "#fdd0a2"])
    ax.contourf(xx, yy, side, levels=[-0.5, 0.5, 1.5], cmap=cmap)
    if zz.min() < threshold < zz.max():
        ax.contour(xx, yy, zz, levels=[threshold], colors="black", linewidths=1.2)
    scatter_classes(ax, X, labels, list(names))
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    ax.set_aspect("equal")
