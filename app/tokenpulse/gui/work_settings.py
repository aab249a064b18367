"""The settings dialog's "Work" tab (issue 15 §1): the e-mail addresses whose commits count as yours, besides
git's own `user.email`. One address a line; each is checked against the settings schema, and a line that is not
an address is refused with its line number and the schema's reason."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from tokenpulse.config.settings import Settings, SettingsError, with_changes

TAB_NAME = "Work"


class WorkTab(QWidget):
    """`read()` gives the `git_emails` setting."""

    def __init__(self, git_emails: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Commits count as yours when git's user.email (global, or the repository's) wrote them,"
                             " or any of these addresses: say, a work address or GitHub's noreply one. One address a"
                             " line. Only counts are kept: never messages, file names or branches.", wordWrap=True))
        self.emails = QPlainTextEdit(objectName="git_emails")
        self.emails.setPlaceholderText("you@work.example\n12345+you@users.noreply.github.com")
        self.emails.setPlainText("\n".join(git_emails))
        lay.addWidget(self.emails, 1)

    def read(self) -> tuple[str, ...]:
        """The addresses, in order, each once; ValueError naming the first line that is not an address."""
        found: list[str] = []
        for number, line in enumerate(self.emails.toPlainText().splitlines(), start=1):
            email = line.strip()
            if not email or email in found:
                continue
            try:
                with_changes(Settings(), git_emails=(email,))  # the schema's own rule for one address
            except SettingsError as exc:
                reason = exc.problem.split(": ", 1)[-1]  # "expected an e-mail address, got 'x'"
                raise ValueError(f"{TAB_NAME} › e-mail addresses, line {number}: {reason}") from None
            found.append(email)
        return tuple(found)
