"""The terminal consoles the commands print to.

rich lays output out for a terminal, and when the output is not one (piped to ``cat``, ``grep`` or a
file) it assumes 80 columns: long lines are wrapped and table cells cut with an ellipsis, which loses
file names and ids that a script reading the output needs. So piped output is laid out as wide as
its content instead.
"""

from __future__ import annotations

import sys

from rich.console import Console

# Wide enough for any line a command prints; tables are as wide as their content, not this.
_PIPED_WIDTH = 10_000


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=_PIPED_WIDTH, soft_wrap=True)
