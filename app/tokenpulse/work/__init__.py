"""The work done in the user's git repositories, as counts only: per commit its time, lines and files.

A bottom-layer package (standard library only, importing nothing of tokenpulse): `locate` finds a project
folder's repository and its branch tips without running git, `gitcmd` runs git safely, `logparse` turns git's
output into figures, `reader` keeps them current incrementally, and `figures` is the plain data the store can
keep. Never read or kept: commit messages, file names, diffs, branch names.
"""
