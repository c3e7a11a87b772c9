"""Streamed answer text without its citation markers.

A model cites its sources by their numbers in the prompt ("[3]"); the final answer renumbers the
citations it keeps ("[1]"). Shown as written, the draft's markers would change under the reader's eyes
when the answer settles, so the draft is shown without them and the final answer brings the markers.

    >>> stream = MarkerFilter()
    >>> stream.feed("The pump holds two litres ["), stream.feed("3]. It"), stream.flush()
    ('The pump holds two litres', '. It', '')

A marker may arrive split over several deltas ("[" then "3]"): what could still become one is held
back until the next delta says whether it does, and so is trailing whitespace, which goes with a
marker that follows it ("it [3]." reads "it.").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ..types import Answer

# The markers ``generative`` reads: "[3]" or "[1, 2]", with the whitespace before them.
_MARKER = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
# The end of the text, when it could still grow into a marker: whitespace, "[", "[1", "[1," or "[1, 2 ".
_OPEN_TAIL = re.compile(r"\s*(?:\[(?:\d+(?:\s*,\s*\d+)*\s*(?:,\s*)?)?)?\Z")


class MarkerFilter:
    """Takes text deltas, gives them back without markers (see the module docstring)."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, delta: str) -> str:
        text = _MARKER.sub("", self._held + delta)
        tail = _OPEN_TAIL.search(text)
        cut = tail.start() if tail else len(text)
        self._held = text[cut:]
        return text[:cut]

    def flush(self) -> str:
        """What is still held back, at the end of the stream: it did not become a marker."""
        held, self._held = self._held, ""
        return held


def without_markers(items: Iterable[str | Answer]) -> Iterator[str | Answer]:
    """An answerer's stream (text deltas, then the ``Answer``) with the deltas' markers removed; a
    delta left empty is not yielded."""
    markers = MarkerFilter()
    for item in items:
        text = markers.feed(item) if isinstance(item, str) else markers.flush()
        if text:
            yield text
        if isinstance(item, Answer):
            yield item
