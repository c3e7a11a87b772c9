"""Hybrid retrieval: exact scores for every candidate, sentence-aware dense scores, fusion by config;
on both stores (``backends``), which compute those scores each in their own way."""

from __future__ import annotations

import pytest

QUESTION = "Who chairs the National Committee for Counter Trafficking?"


def test_every_candidate_carries_exact_dense_sentence_and_bm25_scores(seed_backend_assistant):
    passages = seed_backend_assistant.retrieve(QUESTION, top_k=20)
    assert len(passages) > 3
    for p in passages:
        assert p.dense_rank is not None and p.dense_score is not None and p.sentence_score is not None
    assert any(p.bm25_rank is not None for p in passages)


def test_sentence_score_is_the_best_sentence_of_that_chunk(seed_backend_assistant):
    """Recomputed from scratch: the chunk's own sentences, embedded now, against the question."""
    assistant = seed_backend_assistant
    passage = assistant.retrieve(QUESTION, top_k=1)[0]
    sentences = assistant.view().text.chunk_sentences([passage.chunk_id])[passage.chunk_id]
    document = assistant.document_text(passage.doc_id)
    texts = [document[s.start : s.end] for s in sentences]
    vectors = assistant.embedder.encode(texts)
    question = assistant.embedder.encode([QUESTION])[0]
    assert passage.sentence_score == pytest.approx(float((vectors @ question).max()), abs=1e-3)


@pytest.mark.parametrize("weight", [0.0, 0.4, 1.0])
def test_dense_score_mixes_chunk_and_best_sentence(seed_backend, weight):
    assistant = seed_backend.open(retrieval_mode="dense", sentence_weight=weight)
    for p in assistant.retrieve(QUESTION, top_k=5):
        assert p.fused_score == pytest.approx((1 - weight) * p.dense_score + weight * p.sentence_score, abs=1e-5)


def test_fusion_is_chosen_by_configuration(seed_backend):
    convex = seed_backend.open(fusion="convex", top_k=50).retrieve(QUESTION)
    rrf = seed_backend.open(fusion="rrf", rrf_k=60).retrieve(QUESTION, top_k=50)
    for passages in (convex, rrf):
        assert "Counter Trafficking" in passages[0].text
    # Reciprocal rank fusion is bounded by the weights over (rrf_k + 1); the convex mix is a mean of
    # a cosine and a BM25 share, here computed again from the passage's own evidence.
    assert all(p.fused_score <= 2.0 / 61 for p in rrf)
    top_bm25 = max(p.bm25_score for p in convex if p.bm25_score is not None)
    for p in convex:
        dense = 0.3 * p.dense_score + 0.7 * p.sentence_score
        lexical = (p.bm25_score or 0.0) / top_bm25
        assert p.fused_score == pytest.approx(0.7 * dense + 0.3 * lexical, abs=1e-5)
