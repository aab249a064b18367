"""Where the work read from git joins the charts: `attach(window, name, view)` runs once per view as the window
builds it and adds that view's piece (Overview: commits per day; Projects: work beside spend; Chats: a chat's
commits on its curve). Each piece lives in its own module, reads with its own queries on the window's pool,
and follows the view through the window's `sig_view_updated`: the views themselves are not changed.
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QBoxLayout, QWidget

from tokenpulse.gui.charts.base import ChartView
from tokenpulse.gui.charts.work_chats import ChatCommitsLayer
from tokenpulse.gui.charts.work_common import WindowLike
from tokenpulse.gui.charts.work_overview import CommitsStrip
from tokenpulse.gui.charts.work_projects import WorkBesidePanel


def attach(window: WindowLike, name: str, view: ChartView) -> QWidget | ChatCommitsLayer | None:
    """Add the work piece of view `name` (None for views without one); returns it (kept alive by the view)."""
    piece: QWidget | ChatCommitsLayer | None = None
    if name == "chats" and hasattr(view, "growth"):
        piece = ChatCommitsLayer(view, window.fetch)  # type: ignore[arg-type]
    elif name == "overview":
        piece = CommitsStrip(view, window)
        _insert_after(view, getattr(view, "plot", None), piece)
    elif name == "projects" and isinstance(getattr(view, "projects_view", None), QAbstractItemView):
        piece = WorkBesidePanel(view, window, view.projects_view)  # type: ignore[attr-defined]
        _insert_after(view, getattr(view, "plot", None), piece)
    if piece is not None:
        view.work_piece = piece  # type: ignore[attr-defined]
    return piece


def _insert_after(view: ChartView, anchor: QWidget | None, piece: QWidget) -> None:
    """Under `anchor` in whichever layout holds it (the view's own, or a column inside it); else at the end."""
    holder = anchor.parentWidget() if anchor is not None else None
    layout = holder.layout() if holder is not None else None
    if isinstance(layout, QBoxLayout) and anchor is not None and layout.indexOf(anchor) >= 0:
        layout.insertWidget(layout.indexOf(anchor) + 1, piece)
        return
    own = view.layout()
    if own is not None:
        own.addWidget(piece)
