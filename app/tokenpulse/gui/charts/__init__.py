"""The charts window: output, cost, token mix, chats, projects and rhythm, drawn with pyqtgraph from rollups."""
