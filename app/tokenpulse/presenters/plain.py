"""Names that come from the logs (project folders, chat titles), made safe for any text a desktop may render.

Qt guesses rich text in labels, tooltips and balloons, and notification servers accept a little markup: a
folder named `<img src=x>` would be taken as HTML and make them open a file. Angle brackets become the
look-alike quotes ‹ › so that no log-derived text can ever be markup, wherever it is shown; control
characters are shown as escapes (`untrusted_text`), as on the terminal.
"""

from __future__ import annotations

from tokenpulse.untrusted_text import escape_controls

_NO_MARKUP = str.maketrans({"<": "‹", ">": "›"})


def no_markup(text: str) -> str:
    return escape_controls(text).translate(_NO_MARKUP)
