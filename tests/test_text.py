"""The shared text tools: the terms BM25 and the answerers score on, Punkt sentences, span trimming."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant.text import punkt, tokenize, tokenizer_identity, trim


def test_terms_are_lower_cased_stems():
    assert tokenize(["Cats RUNNING", "The Connection connected connecting"]) == [
        ["cat", "run"],
        ["connect", "connect", "connect"],
    ]


def test_stop_words_are_dropped_both_lucene_and_question_words():
    # "the", "and", "of" are Lucene's list; "what", "did", "she", "about" were added so they do not
    # dominate a short question's terms.
    assert tokenize(["What did she say about the harbour and of the ferry?"]) == [["say", "harbour", "ferri"]]
    assert tokenize(["What did she do?", ""]) == [[], []]


def test_a_question_and_the_text_that_answers_it_share_their_terms():
    question, text = tokenize(["Who built the lighthouses?", "The lighthouse was built by Ada Morrow."])
    assert set(question) <= set(text)


def test_the_tokenizer_identity_is_the_same_in_every_process():
    """Stored BM25 terms are redone when the identity changes, so it must not vary between runs (the
    stop words are a set: an unsorted digest would change with the hash seed)."""
    identity = tokenizer_identity()
    assert identity["library"] == "bm25s" and identity["stemmer"] == "english"
    assert len(identity["stopwords"]) == 16 and int(identity["stopwords"], 16) >= 0
    code = "import json; from assistant.text import tokenizer_identity; print(json.dumps(tokenizer_identity()))"
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert json.loads(out.stdout) == identity


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in punkt().span_tokenize(text)]


def test_punkt_splits_sentences_with_exact_spans():
    text = "The dome weighs twelve tonnes. Does it turn? It does! Forty wheels carry it."
    assert _sentences(text) == [
        "The dome weighs twelve tonnes.",
        "Does it turn?",
        "It does!",
        "Forty wheels carry it.",
    ]


def test_punkt_does_not_split_after_abbreviations():
    text = "Dr. Smith met Mr. Jones at 5 p.m. in the U.S. embassy. They talked."
    assert _sentences(text) == ["Dr. Smith met Mr. Jones at 5 p.m. in the U.S. embassy.", "They talked."]


def test_punkt_is_loaded_once():
    assert punkt() is punkt()


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        ("  a b \n", (0, 7), (2, 5)),
        ("abc", (0, 3), (0, 3)),
        ("x   y", (1, 4), (4, 4)),
        ("   ", (0, 3), (3, 3)),
    ],
)
def test_trim_moves_both_ends_inwards_past_whitespace(text, span, expected):
    assert trim(text, *span) == expected
