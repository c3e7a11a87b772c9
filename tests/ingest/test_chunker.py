"""Chunks are whole sentences, within the model's token limit, with exact offsets into the text."""

from __future__ import annotations

import pytest
from support import SEED_FILE

from assistant.embedding import load_embedder
from assistant.ingest.chunker import SentenceChunker
from assistant.ingest.segment import segment
from assistant.settings import Settings
from assistant.types import Document, PageSpan


@pytest.fixture(scope="module")
def embedder():
    return load_embedder(Settings())


def _doc(text: str, fmt: str = "text", pages=None) -> Document:
    return Document("d", "p", "t", text, fmt, pages or [PageSpan(1, 0, len(text))])


def test_seed_chunks_fit_model_and_offsets_are_exact(embedder):
    text = SEED_FILE.read_text()
    chunks = SentenceChunker(embedder, 200, 40).chunk(_doc(text))
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        measured = embedder.count_tokens([chunk.text])[0]
        assert measured <= 200 < embedder.max_tokens
        for s in chunk.sentences:
            assert chunk.start <= s.start < s.end <= chunk.end
    # Overlap: consecutive chunks share at least one sentence, and the whole text is covered.
    for a, b in zip(chunks, chunks[1:]):
        assert b.start < a.end
    assert chunks[0].start == 0 and chunks[-1].end == len(text.rstrip())


def test_sentence_boundaries_respect_abbreviations():
    text = "Dr. Smith met Mr. Jones in the U.S. capital. They signed the deal. It took a day."
    spans = segment(_doc(text))
    assert [text[s.start : s.end] for s in spans] == [
        "Dr. Smith met Mr. Jones in the U.S. capital.",
        "They signed the deal.",
        "It took a day.",
    ]


def test_overlong_sentence_is_split_under_limit(embedder):
    text = " ".join(f"word{i}" for i in range(600)) + "."
    chunks = SentenceChunker(embedder, 100, 20).chunk(_doc(text))
    assert len(chunks) >= 3
    assert all(embedder.count_tokens([c.text])[0] <= 100 for c in chunks)


def test_chunks_never_cross_pages(embedder):
    page_one, page_two = "Apples are red. " * 5, "Pears are green. " * 5
    text = page_one + "\n\n" + page_two
    pages = [PageSpan(1, 0, len(page_one)), PageSpan(2, len(page_one) + 2, len(text))]
    chunks = SentenceChunker(embedder, 200, 40).chunk(_doc(text, "pdf", pages))
    assert {c.page for c in chunks} == {1, 2}
    for c in chunks:
        assert ("Pears" in c.text) == (c.page == 2)
