"""The one test that fails, naming the folder, when the shared sample logs are not beside the repository.

The tests that read them (through helpers.samples) step aside with a pointer to this failure, so a checkout
without them shows one clear failure instead of dozens that look unrelated.
"""

from __future__ import annotations

from helpers import SAMPLE_KINDS, SAMPLES


def test_the_shared_samples_are_beside_the_repository() -> None:
    missing = [kind for kind in SAMPLE_KINDS if not (SAMPLES / kind).is_dir()]
    assert not missing, (
        f"the shared sample logs are missing: {', '.join(str(SAMPLES / k) for k in missing)}. The tests read"
        f" real and reference agent logs from {SAMPLES} (a checkout of the shared folder beside this"
        " repository); CI provides it. Put it there and run the tests again.")
