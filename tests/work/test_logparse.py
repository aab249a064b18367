"""git's shortstat output to figures: every shape git prints, and lines that fit none are counted."""

from __future__ import annotations

from tokenpulse.work.figures import CommitFigures
from tokenpulse.work.logparse import ParseCounts, parse

A = "a" * 40
B = "b" * 40
C = "c" * 64  # a SHA-256 repository


def test_every_summary_shape() -> None:
    text = [f"\x1e{A} 1700000000\n", "\n", " 3 files changed, 10 insertions(+), 2 deletions(-)\n",
            f"\x1e{B} 1700000060\n", "\n", " 1 file changed, 1 insertion(+)\n",
            f"\x1e{C} 1700000120\n", "\n", " 1 file changed, 4 deletions(-)\n",
            f"\x1e{A[:39]}f 1700000180\n",  # an empty commit: no summary at all
            f"\x1e{B[:39]}f 1700000240\n", "\n", " 2 files changed, 0 insertions(+), 0 deletions(-)\n"]
    counts = ParseCounts()
    got = list(parse(text, counts))
    assert got == [CommitFigures(A, 1_700_000_000_000, 10, 2, 3), CommitFigures(B, 1_700_000_060_000, 1, 0, 1),
                   CommitFigures(C, 1_700_000_120_000, 0, 4, 1), CommitFigures(A[:39] + "f", 1_700_000_180_000, 0, 0, 0),
                   CommitFigures(B[:39] + "f", 1_700_000_240_000, 0, 0, 2)]
    assert counts.commits == 5 and counts.bad_lines == 0


def test_unexpected_lines_are_counted_not_guessed() -> None:
    counts = ParseCounts()
    got = list(parse(["warning: something\n", f"\x1e{A} notatime\n", " 1 file changed, 1 insertion(+)\n",
                      f"\x1e{B} 1700000000\n", "gpg: Signature made\n", " 1 file changed, 2 insertions(+)\n"],
                     counts))
    assert got == [CommitFigures(B, 1_700_000_000_000, 2, 0, 1)]
    assert counts.bad_lines == 4  # the warning, the bad header, the summary of no commit, the gpg line
