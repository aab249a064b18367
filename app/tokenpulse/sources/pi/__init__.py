"""pi (pi-coding-agent): JSONL session files under `~/.pi/agent/sessions/<project>/`."""

from tokenpulse.sources.pi.source import PiSource

__all__ = ["PiSource"]
