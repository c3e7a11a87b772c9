"""The library service on both stores: a document's chunks as indexed."""

from __future__ import annotations


def test_a_documents_chunks_come_in_document_order_and_are_spans_of_its_text(seed_backend_assistant):
    (info,) = seed_backend_assistant.documents()
    document = seed_backend_assistant.document(info.doc_id)
    assert document is not None
    chunks = seed_backend_assistant.chunks(info.doc_id)
    assert len(chunks) == info.chunks > 1
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
    assert all(document.text[c.start : c.end] == c.text for c in chunks)
    assert seed_backend_assistant.chunks("0" * 64) == []
