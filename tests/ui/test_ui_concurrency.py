"""Eight chat sessions at once through gradio_client: every one gets its own, correct answers."""

from __future__ import annotations

import fcntl
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gradio_client import Client
from support import wait_until

# (question, follow-up, text the first answer must contain, text the follow-up must contain)
CASES = [
    (
        "Who chairs the National Committee for Counter Trafficking?",
        "What did he report about the number of incidents?",
        "Sokha",
        "decrease in incidents",
    ),
    (
        "What did the interior minister claim?",
        "Who chairs the National Committee for Counter Trafficking?",
        "crime bosses",
        "Sokha",
    ),
    ("Who won the football World Cup?", "Who won the football World Cup?", None, None),
    (
        "How many trafficking victims were reported?",
        "What did the interior minister claim?",
        "No statistics",
        "crime bosses",
    ),
]
SESSIONS = 8


def chat(url: str, case: tuple[str, str, str | None, str | None]) -> list[tuple[str, str]]:
    """Two turns in one session; returns (expected, copied answer text) per turn."""
    client = Client(url, verbose=False)
    messages: list = []
    results = []
    for question, expected in ((case[0], case[2]), (case[1], case[3])):
        _, messages, sources, plain, _ = client.predict(question, messages, api_name="/chat")
        results.append((expected, plain, sources))
    client.close()
    return results


def test_eight_concurrent_sessions_get_correct_answers(served):
    cases = [CASES[i % len(CASES)] for i in range(SESSIONS)]
    with ThreadPoolExecutor(SESSIONS) as pool:
        outcomes = list(pool.map(lambda c: chat(served.url, c), cases))
    assert len(outcomes) == SESSIONS
    for case, turns in zip(cases, outcomes):
        for expected, plain, sources in turns:
            if expected is None:
                assert "don't contain an answer" in plain, (case, plain)
                assert '<div class="sources abstained"' in sources
            else:
                assert expected in plain, (case, plain)
                assert "<mark>" in sources


def test_chats_are_answered_while_an_ingest_runs(served, tmp_path):
    """A long upload in one session does not hold up another session's questions."""
    import threading
    import time

    from gradio_client import handle_file

    big = tmp_path / "almanac.txt"
    big.write_text(
        "\n\n".join(
            f"Entry {i}: the village of Norrow{i} grows {i % 7 + 2} kinds of barley and trades "
            f"wool with the port of Vessel{i}. Its mill was rebuilt in the year {1700 + i}."
            for i in range(400)
        ),
        encoding="utf-8",
    )
    ingest_done: list[float] = []

    def ingest() -> None:
        uploader = Client(served.url, verbose=False)
        status, *_ = uploader.predict([handle_file(str(big))], api_name="/add_documents")
        ingest_done.append(time.monotonic())
        assert "Indexed 1 file" in status
        uploader.close()

    lock = Path(served.assistant.index.where) / ".lock"

    def indexing_or_done() -> bool:
        # The writer holds the index's lock from the moment indexing begins until it commits.
        if not worker.is_alive():
            return True
        with open(lock, "a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(fh, fcntl.LOCK_UN)
        return False

    worker = threading.Thread(target=ingest)
    worker.start()
    asker = Client(served.url, verbose=False)
    answered: list[float] = []
    wait_until(indexing_or_done, timeout=120, what="the upload to reach the indexing step", interval=0.01)
    assert worker.is_alive(), "the ingest was over before any question could be asked"
    while worker.is_alive() and len(answered) < 3:
        _, _, _, plain, _ = asker.predict(CASES[0][0], [], api_name="/chat")
        assert "Sokha" in plain
        answered.append(time.monotonic())
    worker.join(timeout=300)
    assert ingest_done, "the ingest did not finish"
    assert answered and answered[0] < ingest_done[0], "no chat was answered while the ingest ran"

    doc = next(d for d in served.assistant.documents() if "almanac.txt" in d.sources[0])
    status, *_ = asker.predict(doc.doc_id, api_name="/remove_document")
    assert status.startswith("Removed")
    asker.close()


def test_same_named_uploads_from_two_sessions_are_both_kept(served, tmp_path):
    """The upload folder is shared: a second user's notes.txt must not replace the first user's."""
    from gradio_client import handle_file

    texts = {
        "ana": "The lighthouse keeper of Ostrava Point was Milena Dvorakova.",
        "ben": "The orchard at Kelso Farm grows twelve kinds of quince.",
    }
    statuses = []
    for user, text in texts.items():
        (tmp_path / user).mkdir()
        path = tmp_path / user / "notes.txt"
        path.write_text(text, encoding="utf-8")
        client = Client(served.url, verbose=False)
        status, *_ = client.predict([handle_file(str(path))], api_name="/add_documents")
        statuses.append(status)
        client.close()
    assert "Indexed 1 file" in statuses[0] and "Indexed 1 file" in statuses[1], statuses
    assert r"**notes\.txt** is stored as **notes\-2\.txt**" in statuses[1]  # Markdown-escaped names
    assert sorted(p.name for p in served.upload_dir.iterdir()) == ["notes-2.txt", "notes.txt"]

    asker = Client(served.url, verbose=False)
    for question, expected in (
        ("Who was the lighthouse keeper of Ostrava Point?", "Milena"),
        ("How many kinds of quince does the orchard at Kelso Farm grow?", "twelve"),
    ):
        _, _, _, plain, _ = asker.predict(question, [], api_name="/chat")
        assert expected in plain, plain
    for doc in served.assistant.documents():
        if any(source.startswith(str(served.upload_dir.resolve())) for source in doc.sources):
            asker.predict(doc.doc_id, api_name="/remove_document")
    assert list(served.upload_dir.iterdir()) == []
    asker.close()
