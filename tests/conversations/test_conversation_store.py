"""``ConversationStore`` on real SQLite files with real answers: per-user isolation, titles, rename,
scope, delete, feedback, a restart (the file opened again), and turns added from many threads."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import pytest

from assistant import Assistant
from assistant.conversations import (
    ConversationNotFoundError,
    ConversationStore,
    ConversationStoreError,
    Feedback,
    InvalidConversationError,
    InvalidFeedbackError,
    TurnNotFoundError,
)
from assistant.conversations.models import MAX_TITLE_CHARS, SHORT_TITLE_CHARS

CHAIR = "Who chairs the National Committee for Counter Trafficking?"  # the question answers["chair"] answers


@pytest.fixture
def store(tmp_path) -> ConversationStore:
    return ConversationStore(tmp_path / "nested" / "conversations.sqlite")


def test_a_conversation_is_saved_with_its_answers_and_named_by_its_first_question(store, answers):
    assert not store.path.exists()
    chat = store.create("ana")
    assert store.path.is_file()  # created, with its folder, on first use
    assert (chat.user, chat.title, chat.turns, chat.documents) == ("ana", "", 0, [])

    long_question = CHAIR + " And which ministry does that committee belong to, and since which year exactly?"
    first = store.add_turn("ana", chat.id, long_question, answers["chair"])
    second = store.add_turn("ana", chat.id, "And the incidents?", answers["follow_up"])
    assert (first.index, second.index) == (0, 1)
    assert first.answer == answers["chair"] and first.feedback is None

    saved, turns = store.get("ana", chat.id)
    assert saved.turns == 2 and [t.question for t in turns] == [long_question, "And the incidents?"]
    assert [t.answer for t in turns] == [answers["chair"], answers["follow_up"]]
    # The first question names it, cut on a word boundary; the second does not rename it.
    assert len(saved.title) <= SHORT_TITLE_CHARS and saved.title.endswith("…")
    assert long_question.startswith(saved.title[:-1]) and long_question[len(saved.title) - 1] == " "

    titled = store.create("ana", title="  Trafficking   report ")
    store.add_turn("ana", titled.id, CHAIR, answers["chair"])
    assert store.get("ana", titled.id)[0].title == "Trafficking report"


def test_the_list_is_per_user_and_most_recent_first(store, answers):
    older, newer = store.create("ana", "older"), store.create("ana", "newer")
    store.create("bob", "bob's")
    store.create("", "no sign-in")
    assert [c.title for c in store.list("ana")] == ["newer", "older"]
    store.add_turn("ana", older.id, CHAIR, answers["chair"])
    assert [c.title for c in store.list("ana")] == ["older", "newer"]
    assert [c.title for c in store.list("bob")] == ["bob's"]
    assert [c.title for c in store.list("")] == ["no sign-in"]
    assert store.list("carol") == []
    store.add_turn("ana", newer.id, CHAIR, answers["chair"])
    assert [c.title for c in store.list("ana")] == ["newer", "older"]
    # Rating an old answer is not new activity in its conversation: the order stays.
    store.set_feedback("ana", older.id, 0, Feedback(rating=1))
    assert [c.title for c in store.list("ana")] == ["newer", "older"]


def test_another_users_conversation_is_not_found_exactly_like_a_missing_one(store, answers):
    chat = store.create("ana", "mine", documents=["doc-a"])
    store.add_turn("ana", chat.id, CHAIR, answers["chair"])
    operations = {
        "get": lambda user, cid: store.get(user, cid),
        "add_turn": lambda user, cid: store.add_turn(user, cid, CHAIR, answers["chair"]),
        "rename": lambda user, cid: store.rename(user, cid, "stolen"),
        "set_documents": lambda user, cid: store.set_documents(user, cid, []),
        "set_feedback": lambda user, cid: store.set_feedback(user, cid, 0, Feedback(rating=-1)),
        "delete": lambda user, cid: store.delete(user, cid),
    }
    for name, operation in operations.items():
        for user in ("bob", ""):
            with pytest.raises(ConversationNotFoundError) as other:
                operation(user, chat.id)
            with pytest.raises(ConversationNotFoundError) as missing:
                operation(user, "no-such-id")
            assert str(other.value).replace(chat.id, "ID") == str(missing.value).replace("no-such-id", "ID"), name
    saved, turns = store.get("ana", chat.id)
    assert (saved.title, saved.documents, len(turns), turns[0].feedback) == ("mine", ["doc-a"], 1, None)


def test_rename_scope_and_delete(store, answers):
    chat = store.create("ana")
    store.add_turn("ana", chat.id, CHAIR, answers["chair"])
    assert store.rename("ana", chat.id, "Committee").title == "Committee"
    long = store.rename("ana", chat.id, "word " * 100)
    assert len(long.title) <= MAX_TITLE_CHARS and long.title.endswith("word…")
    # A blank title names it after its first question again.
    assert store.rename("ana", chat.id, "   ").title == CHAIR

    assert store.set_documents("ana", chat.id, ["doc-b", "doc-a", "doc-b"]).documents == ["doc-b", "doc-a"]
    assert store.set_documents("ana", chat.id, []).documents == []
    with pytest.raises(InvalidConversationError):
        store.set_documents("ana", chat.id, "doc-a")  # a string is not a list of ids
    with pytest.raises(InvalidConversationError):
        store.add_turn("ana", chat.id, "  ", answers["chair"])

    kept = store.create("ana", "kept")
    store.delete("ana", chat.id)
    assert [c.id for c in store.list("ana")] == [kept.id]
    with pytest.raises(ConversationNotFoundError):
        store.get("ana", chat.id)
    with closing(sqlite3.connect(store.path)) as db:  # its turns went with it
        assert db.execute("SELECT COUNT(*) FROM turns").fetchone()[0] == 0


def test_feedback_is_kept_replaced_and_withdrawn(store, answers):
    chat = store.create("ana")
    store.add_turn("ana", chat.id, CHAIR, answers["chair"])
    passage = answers["chair"].passages[0]
    correction = Feedback(
        rating=-1,
        correct_quote=passage.text[:40],
        correct_doc_id=passage.doc_id,
        correct_start=passage.start,
        correct_end=passage.start + 40,
        note="the second sentence says it better",
    )
    assert store.set_feedback("ana", chat.id, 0, correction).feedback == correction
    assert store.get("ana", chat.id)[1][0].feedback == correction
    assert store.set_feedback("ana", chat.id, 0, Feedback(rating=1)).feedback == Feedback(rating=1)
    assert store.set_feedback("ana", chat.id, 0, None).feedback is None
    with pytest.raises(TurnNotFoundError):
        store.set_feedback("ana", chat.id, 1, Feedback(rating=1))
    for wrong in (
        {"rating": 2},
        {"rating": True},
        {"rating": 1, "correct_quote": "  "},
        {"rating": 1, "correct_start": 5},
        {"rating": 1, "correct_start": 5, "correct_end": 5},
        {"rating": 0, "note": "x" * 10_000},
    ):
        with pytest.raises(InvalidFeedbackError):
            Feedback(**wrong)


def test_everything_survives_reopening_the_file(tmp_path, answers):
    path = tmp_path / "conversations.sqlite"
    first = ConversationStore(path)
    chat = first.create("ana", documents=["doc-a"])
    for answer in answers.values():
        first.add_turn("ana", chat.id, answer.question, answer)
    first.set_feedback("ana", chat.id, 3, Feedback(rating=1, note="right, they don't say"))
    before = first.get("ana", chat.id)
    del first

    again = ConversationStore(path)  # as after a restart: a new process opens the same file
    assert again.get("ana", chat.id) == before
    assert [t.answer for t in before[1]] == list(answers.values())
    assert again.list("ana") == [before[0]]
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_file_from_a_newer_version_or_not_a_database_is_refused_clearly(tmp_path):
    newer = tmp_path / "newer.sqlite"
    ConversationStore(newer).list("")
    with closing(sqlite3.connect(newer)) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(ConversationStoreError, match="newer version"):
        ConversationStore(newer).list("")
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database at all " * 100)
    with pytest.raises(ConversationStoreError, match="move it away"):
        ConversationStore(garbage).create("ana")


def test_turns_added_from_many_threads_at_once_all_land_in_order(tmp_path, answers):
    # This store object is first used by the threads: its one-time check of the file runs in their race.
    store = ConversationStore(tmp_path / "conversations.sqlite")
    threads, per_thread = 8, 5
    barrier = threading.Barrier(threads)

    def chat(worker: int) -> str:
        barrier.wait()
        mine = store.create(f"user{worker % 2}")
        for n in range(per_thread):
            answer = answers["observance"] if n % 2 else answers["monarch"]
            store.add_turn(mine.user, shared.id, f"worker {worker} question {n}", answer)
            store.add_turn(mine.user, mine.id, f"question {n}", answer)
        return mine.id

    shared = ConversationStore(tmp_path / "conversations.sqlite").create("user0")
    # Every worker adds to the one shared conversation too (as user0, its owner, or is refused).
    with ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(chat, worker) for worker in range(threads)]
    results = []
    for future in futures:
        try:
            results.append(future.result())
        except ConversationNotFoundError:
            results.append(None)
    # Workers of user1 were refused the shared conversation before adding to their own.
    assert results.count(None) == threads // 2
    _, shared_turns = store.get("user0", shared.id)
    assert [t.index for t in shared_turns] == list(range(threads // 2 * per_thread))
    assert sorted(t.question for t in shared_turns) == sorted(
        f"worker {w} question {n}" for w in range(0, threads, 2) for n in range(per_thread)
    )
    for cid in filter(None, results):
        _, own = store.get("user0", cid)
        assert [(t.index, t.question) for t in own] == [(n, f"question {n}") for n in range(per_thread)]


def test_the_assistant_keeps_conversations_beside_its_index(fresh_seed_index, answers):
    assistant = Assistant.open(fresh_seed_index)
    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: assistant.conversations, range(16)))
    assert all(s is stores[0] for s in stores)
    assert stores[0].path == fresh_seed_index / "conversations.sqlite"
    chat = assistant.conversations.create("")
    assistant.conversations.add_turn("", chat.id, CHAIR, answers["chair"])
    assert Assistant.open(fresh_seed_index).conversations.get("", chat.id)[1][0].answer == answers["chair"]
