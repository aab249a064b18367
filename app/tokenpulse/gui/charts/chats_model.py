"""The chats table as a lazy Qt tree model: chats on top, their sub-agent chats one level down.

Sorting and filtering happen in SQL (insights.chart_chats.chats): a header click or a filter only records the
wish and asks for a new fetch, so the model never holds more than the rows it lists.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont

from tokenpulse.gui.charts.style import short_models, short_project, tokens, usd
from tokenpulse.gui.charts.table_model import first_click_order
from tokenpulse.insights.chart_chats import Chat, ChatList
from tokenpulse.insights.chart_data import agent_label, local_time
from tokenpulse.insights.waste import WASTE_SHARE_HELP
from tokenpulse.presenters.plain import no_markup
from tokenpulse.presenters.waste_text import share_text
from tokenpulse.untrusted_text import escape_controls

Index = QModelIndex | QPersistentModelIndex
NO_INDEX = QModelIndex()  # the invalid index: the root
COLUMNS = ("Start", "Agent", "Project", "Model(s)", "Calls", "Output", "Cost", "Peak context", "Waste share")
SORT_KEYS = ("start", "agent", "project", "models", "calls", "output", "cost", "peak", "waste")
TIPS = {5: "Output tokens: the work", 6: "Cost in USD (unknown prices are left out)",
        7: "Largest context of one call: what it re-read, and its share of the model's context window where known",
        8: f"Waste share: {WASTE_SHARE_HELP} (the whole chat, its sub-agents included)"}
NUMERIC = {4, 5, 6, 7, 8}
HIGH_WASTE = 0.3
_ROOT = 0  # internal id of top-level rows; a child row's id is its parent's row + 1


class ChatModel(QAbstractItemModel):
    sig_sort_changed = Signal()
    sig_order_chosen = Signal(int, Qt.SortOrder)  # the order it sorts by, when not the one the header asked
    def __init__(self, tz: ZoneInfo) -> None:
        super().__init__()
        self.tz = tz
        self.rows: list[Chat] = []
        self.matching = 0  # chats that pass the filter; the first ones are listed
        self.sort_key, self.descending = "start", True

    def set_list(self, found: ChatList, tz: ZoneInfo) -> None:
        self.beginResetModel()
        self.tz = tz
        self.rows = found.chats
        self.matching = found.total
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        chosen = first_click_order(column, order, SORT_KEYS.index(self.sort_key), NUMERIC)
        if chosen != order:
            self.sig_order_chosen.emit(column, chosen)
        wish = (SORT_KEYS[column], chosen == Qt.SortOrder.DescendingOrder)
        if wish != (self.sort_key, self.descending):
            self.sort_key, self.descending = wish
            self.sig_sort_changed.emit()

    # --- the tree ------------------------------------------------------------------------------------

    def chat(self, index: Index) -> Chat | None:
        if not index.isValid():
            return None
        parent = index.internalId()
        if parent == _ROOT:
            return self.rows[index.row()] if index.row() < len(self.rows) else None
        top = self.rows[parent - 1]
        return top.children[index.row()] if index.row() < len(top.children) else None

    def find(self, session_id: int) -> QModelIndex:
        for r, c in enumerate(self.rows):
            if c.session_id == session_id:
                return self.index(r, 0)
            for k, child in enumerate(c.children):
                if child.session_id == session_id:
                    return self.index(k, 0, self.index(r, 0))
        return QModelIndex()

    def index(self, row: int, column: int, parent: Index = NO_INDEX) -> QModelIndex:
        if not parent.isValid():
            return self.createIndex(row, column, _ROOT) if 0 <= row < len(self.rows) else QModelIndex()
        if parent.internalId() != _ROOT:
            return QModelIndex()
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: Index = NO_INDEX) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == _ROOT:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, _ROOT)

    def rowCount(self, parent: Index = NO_INDEX) -> int:
        if not parent.isValid():
            return len(self.rows)
        if parent.internalId() == _ROOT and parent.column() == 0:
            return len(self.rows[parent.row()].children)
        return 0

    def hasChildren(self, parent: Index = NO_INDEX) -> bool:
        if not parent.isValid():
            return bool(self.rows)
        return parent.internalId() == _ROOT and parent.column() == 0 and bool(self.rows[parent.row()].children)

    def columnCount(self, parent: Index = NO_INDEX) -> int:
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return TIPS.get(section)
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole
                and section in NUMERIC):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        chat = self.chat(index)
        if chat is None:
            return None
        top = index.internalId() == _ROOT
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:  # folder and model names come from the logs
            return escape_controls(self._text(chat, col, top))
        if role == Qt.ItemDataRole.TextAlignmentRole and col in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return no_markup("\n".join(escape_controls(part) for part in (
                chat.project or "(unknown folder)", chat.session_key, ", ".join(chat.models))))
        if role == Qt.ItemDataRole.FontRole and col == 8 and (chat.waste_share or 0) >= HIGH_WASTE:
            bold = QFont()
            bold.setBold(True)
            return bold  # bold, not the cost line's colour: a colour keeps one meaning
        return None

    def _text(self, c: Chat, col: int, top: bool) -> str:
        if col == 0:
            return local_time(c.start_ms, self.tz)
        if col == 1:
            label = agent_label(c.source) if top else "sub-agent"
            return f"{label} (+{len(c.children)})" if top and c.children else label
        if col == 2:
            return short_project(c.project)
        if col == 3:
            return short_models(c.all_models if top else c.models)
        if col == 4:
            return f"{c.family_calls if top else c.calls:,}"
        if col == 5:
            return tokens(c.family_output if top else c.output)
        if col == 6:
            return usd(c.family_cost if top else c.cost)
        if col == 7:
            return peak_text(c.family_peak if top else c.peak_context, c.family_peak_share if top else c.peak_share)
        return share_text(c.waste_share)


def peak_text(peak: int, share: float | None) -> str:
    """"112k · 56 %": a context and its share of the model's window (issue 11 §5); the tokens alone when the
    window is unknown."""
    return tokens(peak) if share is None else f"{tokens(peak)} · {share_text(share)}"
