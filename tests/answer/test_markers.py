"""The streamed draft without citation markers, however the deltas split them."""

from __future__ import annotations

import itertools

import pytest

from assistant.answer.markers import MarkerFilter, without_markers
from assistant.types import Answer

DRAFT = "Sokha chairs the NCCT [3]. He said [1, 2] that [x], [12a] and [] stay;  twice [4][5]. End ["
SHOWN = "Sokha chairs the NCCT. He said that [x], [12a] and [] stay;  twice. End ["


def _through(pieces: list[str]) -> str:
    markers = MarkerFilter()
    out = [markers.feed(piece) for piece in pieces]
    return "".join(out) + markers.flush()


def test_markers_and_the_space_before_them_are_removed_the_rest_kept():
    assert _through([DRAFT]) == SHOWN


@pytest.mark.parametrize("size", [1, 2, 3])
def test_a_marker_split_over_deltas_is_still_removed(size):
    assert _through([DRAFT[i : i + size] for i in range(0, len(DRAFT), size)]) == SHOWN


def test_every_split_into_three_deltas():
    for a, b in itertools.combinations(range(len(DRAFT) + 1), 2):
        assert _through([DRAFT[:a], DRAFT[a:b], DRAFT[b:]]) == SHOWN, (a, b)


def test_what_might_become_a_marker_is_held_until_it_is_known():
    markers = MarkerFilter()
    assert markers.feed("claimed it [") == "claimed it"
    assert markers.feed("1, ") == ""
    assert markers.feed("2") == ""
    assert markers.feed("] and") == " and"
    assert markers.feed(" more [see") == " more [see"
    assert markers.flush() == ""


def test_the_stream_ends_with_what_was_held_then_the_answer():
    answer = Answer("q", "It rained [1].", True, [], [], confidence=0.9, answerer="scripted", retrieval_query="q")
    items = list(without_markers(["It rained", " [", "1]", " [", answer]))
    assert items == ["It rained", " [", answer]
    assert list(without_markers([answer])) == [answer], "an answer alone comes alone"
