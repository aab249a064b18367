"""Desktop notifications as the protocol goes, against a stand-in bus: capabilities first, actions only where the
server has them, replace-by-id, our own ids only, closing is not an answer, and the fall-backs."""

from __future__ import annotations

from collections.abc import Callable

from jeepney import DBusAddress, Message, new_error, new_method_return, new_signal
from PySide6.QtCore import QObject, Signal

from tokenpulse.gui.notifications import DesktopNotifications, markup_escaped
from tokenpulse.gui.reminders import ReminderPresenter, reminder_thread
from tokenpulse.nudges.model import DISMISS, MUTE_CHAT, OPEN_CHAT, SNOOZE_1H, Nudge

SERVER = DBusAddress("/org/freedesktop/Notifications", bus_name="org.freedesktop.Notifications",
                     interface="org.freedesktop.Notifications")
LEVEL1 = Nudge("fresh_chat", "fresh_chat:7:1", "Time for a fresh chat?", "shop <b>&</b>: 115k.",
               (OPEN_CHAT, SNOOZE_1H, MUTE_CHAT), "/home/u/shop", session_id=7)
LEVEL2 = Nudge("fresh_chat", "fresh_chat:7:2", "This chat is now very long", "shop: 230k.",
               (OPEN_CHAT, SNOOZE_1H, MUTE_CHAT), "/home/u/shop", session_id=7)


class FakeServer(QObject):
    """A session bus with a notification server behind it: records calls, answers at once, emits signals."""

    sig_signal_received = Signal(object)

    def __init__(self, caps: list[str] | None = None, refuse: bool = False) -> None:
        super().__init__()
        self.caps = caps if caps is not None else ["actions", "body", "body-markup"]
        self.refuse = refuse
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        self.next_id = 41
        self.connected = True

    def call(self, message: Message, on_reply: Callable[[Message | None], None], timeout_ms: int = 0) -> None:
        member = message.header.fields[3]  # HeaderFields.member
        self.calls.append((str(member), tuple(message.body)))
        if member == "GetCapabilities":
            on_reply(new_method_return(message, "as", (self.caps,)))
        elif member == "Notify":
            if self.refuse:
                on_reply(new_error(message, "org.freedesktop.DBus.Error.Failed"))
                return
            replaces = int(message.body[1])
            if not replaces:
                self.next_id += 1
            on_reply(new_method_return(message, "u", (replaces or self.next_id,)))
        elif member == "AddMatch" or member == "CloseNotification":
            on_reply(new_method_return(message))

    def send(self, message: Message) -> None:
        self.call(message, lambda _r: None)

    def add_match(self, rule: object) -> None:
        self.calls.append(("AddMatch", (str(rule),)))

    def emit(self, member: str, *body: object) -> None:
        sig = "us" if member == "ActionInvoked" else "uu"
        self.sig_signal_received.emit(new_signal(SERVER, member, sig, body))

    def notifies(self) -> list[tuple[object, ...]]:
        return [body for name, body in self.calls if name == "Notify"]


def _presenter(server: FakeServer | None, balloon: bool = False) -> tuple[ReminderPresenter, list[str]]:
    notes = DesktopNotifications(bus_factory=lambda: server)  # type: ignore[arg-type, return-value]
    presenter = ReminderPresenter(None, notifications=notes, balloon_possible=lambda: balloon)
    chosen: list[str] = []
    presenter.sig_action.connect(lambda n, a: chosen.append(f"{n.key}:{a}"))
    presenter.sig_summary_requested.connect(lambda: chosen.append("summary"))
    return presenter, chosen


def test_a_reminder_is_a_notification_with_its_actions(qtbot) -> None:  # type: ignore[no-untyped-def]
    server = FakeServer()
    presenter, chosen = _presenter(server)
    presenter.show(LEVEL1)
    assert [name for name, _b in server.calls if name != "AddMatch"] == ["GetCapabilities", "Notify"]
    app, replaces, icon, summary, body, actions, hints, expire = server.notifies()[0]
    assert (app, replaces, summary) == ("tokenpulse", 0, "Time for a fresh chat?")
    assert body == "shop &lt;b&gt;&amp;&lt;/b&gt;: 115k."  # the server reads markup: log text stays text
    assert actions == ["default", "Open in charts", "open_chat", "Open in charts", "snooze_1h", "Snooze 1 h",
                       "mute_chat", "Not for this chat"]
    assert hints["urgency"] == ("y", 1) and hints["category"] == ("s", "x-tokenpulse.reminder")
    assert str(icon).startswith("file://") and str(icon).endswith("tokenpulse.png") and expire == -1
    assert presenter.toast is None and presenter.channels == [(LEVEL1.key, "notification")]
    server.emit("ActionInvoked", 42, "snooze_1h")
    assert chosen == ["fresh_chat:7:1:snooze_1h"] and presenter.latest is None


def test_the_second_level_replaces_the_first(qtbot) -> None:  # type: ignore[no-untyped-def]
    server = FakeServer()
    presenter, _chosen = _presenter(server)
    presenter.show(LEVEL1)
    presenter.show(LEVEL2)
    assert [n[1] for n in server.notifies()] == [0, 42]  # replaces_id: the first one's id
    assert reminder_thread("fresh_chat:7:2") == reminder_thread("fresh_chat:7:1") == "fresh_chat:7"
    assert reminder_thread("budget:day:2026-03-01:100") == "budget:day:2026-03-01"
    server.emit("NotificationClosed", 42, 2)  # dismissed: the next level would be a new notification
    presenter.show(Nudge("fresh_chat", "fresh_chat:7:3", "t", "b", (OPEN_CHAT,), session_id=7))
    assert server.notifies()[-1][1] == 0


def test_only_our_own_ids_and_closing_is_not_an_answer(qtbot) -> None:  # type: ignore[no-untyped-def]
    server = FakeServer()
    presenter, chosen = _presenter(server)
    presenter.show(LEVEL1)
    server.emit("ActionInvoked", 99, "snooze_1h")  # another app's notification
    server.emit("ActionInvoked", 42, "rm -rf")  # not an action of this reminder
    server.emit("NotificationClosed", 42, 2)  # the person closed ours
    assert chosen == [] and presenter.latest is LEVEL1  # still in the menu and the summary
    server.emit("ActionInvoked", 42, "snooze_1h")  # closed: the id is no longer ours
    assert chosen == []


def test_a_click_on_the_notification_opens_the_chat_or_the_summary(qtbot) -> None:  # type: ignore[no-untyped-def]
    server = FakeServer()
    presenter, chosen = _presenter(server)
    presenter.show(LEVEL1)
    server.emit("ActionInvoked", 42, "default")
    assert chosen == ["fresh_chat:7:1:open_chat"] and presenter.latest is LEVEL1  # opening is not an answer
    note = Nudge("cache_expired", "cache_expired:7", "Cache expired", "b", (DISMISS,))
    presenter.show(note)
    server.emit("ActionInvoked", 43, "default")
    assert chosen[-1] == "summary"


def test_without_the_actions_capability_no_buttons(qtbot) -> None:  # type: ignore[no-untyped-def]
    server = FakeServer(caps=["body"])
    presenter, _chosen = _presenter(server)
    presenter.show(LEVEL1)
    _app, _r, _i, _s, body, actions, _h, _e = server.notifies()[0]
    assert actions == [] and body == LEVEL1.body  # no markup capability: the body is sent as it is
    assert presenter.latest is LEVEL1  # the menu and the summary keep its actions


def test_answered_elsewhere_takes_it_off_the_screen(qtbot) -> None:  # type: ignore[no-untyped-def]
    server = FakeServer()
    presenter, chosen = _presenter(server)
    presenter.show(LEVEL1)
    presenter.choose(LEVEL1, "mute_chat")  # from the tray menu
    assert ("CloseNotification", (42,)) in server.calls and chosen == ["fresh_chat:7:1:mute_chat"]


def test_no_server_falls_back_to_the_balloon_then_the_toast(qtbot) -> None:  # type: ignore[no-untyped-def]
    presenter, _ = _presenter(None, balloon=False)  # no session bus at all
    presenter.show(LEVEL1)
    assert presenter.channels == [(LEVEL1.key, "toast")] and presenter.toast is not None
    qtbot.addWidget(presenter.toast)
    refused = FakeServer(refuse=True)  # a server that refuses the call
    presenter, _ = _presenter(refused, balloon=False)
    presenter.show(LEVEL1)
    assert presenter.channels == [(LEVEL1.key, "toast")]
    qtbot.addWidget(presenter.toast)


def test_markup_escaping() -> None:
    assert markup_escaped('<img src="x"> & <b>') == '&lt;img src="x"&gt; &amp; &lt;b&gt;'
