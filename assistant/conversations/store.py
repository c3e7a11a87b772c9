"""Saved conversations in one SQLite file, per user.

    >>> store = ConversationStore(conversations_path("index"))
    >>> chat = store.create("ana")
    >>> store.add_turn("ana", chat.id, question, assistant.ask(question))
    >>> store.set_feedback("ana", chat.id, 0, Feedback(rating=1))

Every operation names the ``user`` ("" where there is no sign-in). A user sees only their own
conversations: another user's id is "not found", exactly like an id that does not exist. Answers are
kept as ``Answer.to_dict()`` JSON, so a conversation shows its answers, citations and passages again
after a restart, without asking again.

Thread-safe: each call opens its own connection and runs in one transaction (the chat server calls
from many threads); the file is in WAL mode so readers never wait for a writer.
"""

from __future__ import annotations

import builtins
import json
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..types import Answer
from .errors import ConversationNotFoundError, ConversationStoreError, InvalidConversationError, TurnNotFoundError
from .models import MAX_TITLE_CHARS, SHORT_TITLE_CHARS, Conversation, Feedback, Turn, shorten

FILE_NAME = "conversations.sqlite"
SCHEMA_VERSION = 1
"""Kept in ``PRAGMA user_version``: a later layout migrates files of a lower number."""

# Writers queue on SQLite's lock; a write here is one small transaction, so waiting long means
# something is stuck, and the caller should hear of it rather than hang.
_BUSY_TIMEOUT_S = 30.0

_SCHEMA = (
    """CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        title TEXT NOT NULL,
        documents TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        recency INTEGER NOT NULL
    )""",
    # recency moves with updated_at and orders the list where two timestamps fall in one second.
    "CREATE INDEX conversations_by_owner ON conversations (owner, recency)",
    """CREATE TABLE turns (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        feedback TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (conversation_id, idx)
    )""",
)

_CONVERSATION_COLUMNS = (
    "c.id, c.owner, c.title, c.created_at, c.updated_at, "
    "(SELECT COUNT(*) FROM turns t WHERE t.conversation_id = c.id), c.documents"
)


def conversations_path(index_dir: str | Path) -> Path:
    """Where an index's conversations are kept: ``<index_dir>/conversations.sqlite``."""
    return Path(index_dir) / FILE_NAME


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _title(title: str) -> str:
    if not isinstance(title, str):
        raise InvalidConversationError(f"A title must be text, not {type(title).__name__}.")
    return shorten(title, MAX_TITLE_CHARS)


def _documents(documents: Iterable[str]) -> list[str]:
    if isinstance(documents, (str, bytes)) or not all(isinstance(d, str) and d.strip() for d in documents):
        raise InvalidConversationError("A conversation's documents must be a list of document ids.")
    return list(dict.fromkeys(d.strip() for d in documents))


def _user(user: str) -> str:
    if not isinstance(user, str):
        raise InvalidConversationError(f'user must be text ("" without sign-in), not {type(user).__name__}.')
    return user


def _conversation(row: tuple) -> Conversation:
    cid, owner, title, created_at, updated_at, turns, documents = row
    return Conversation(cid, owner, title, created_at, updated_at, turns, json.loads(documents))


def _feedback(text: str | None) -> Feedback | None:
    if text is None:
        return None
    data: dict[str, Any] = json.loads(text)
    return Feedback(**{f.name: data[f.name] for f in fields(Feedback) if f.name in data})


def _turn(row: tuple) -> Turn:
    idx, question, answer, feedback, created_at = row
    return Turn(idx, question, Answer.from_dict(json.loads(answer)), created_at, _feedback(feedback))


class ConversationStore:
    """The conversations in one SQLite file, created (with its folder) on first use."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._ready = False
        self._ready_lock = threading.Lock()

    # -- the file --------------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        db.execute("PRAGMA foreign_keys = ON")
        return db

    def _ensure(self) -> None:
        """Create the tables, or check that the file's layout is one this version reads."""
        with self._ready_lock:
            if self._ready:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = self._open()
            try:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version == 0:
                    db.execute("PRAGMA journal_mode = WAL")
                    db.execute("BEGIN IMMEDIATE")
                    # Another process may have created the tables while this one waited for the lock.
                    if db.execute("PRAGMA user_version").fetchone()[0] == 0:
                        for statement in _SCHEMA:
                            db.execute(statement)
                        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                    db.execute("COMMIT")
                elif version > SCHEMA_VERSION:
                    raise ConversationStoreError(
                        f"{self.path} was written by a newer version of the assistant (layout {version}, "
                        f"this one reads {SCHEMA_VERSION}); upgrade the assistant to open it."
                    )
            except sqlite3.DatabaseError as exc:
                raise ConversationStoreError(
                    f"{self.path} cannot be read as a conversations file ({exc}); move it away and a new "
                    "one is started."
                ) from exc
            finally:
                db.close()
            self._ready = True

    @contextmanager
    def _transaction(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """One connection, one transaction: a writer holds the write lock from its first read, so
        that (say) two turns added at once get different indexes; a reader sees one snapshot."""
        self._ensure()
        db = self._open()
        try:
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    @staticmethod
    def _find(db: sqlite3.Connection, user: str, cid: str) -> Conversation:
        row = db.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = ? AND c.owner = ?", (cid, _user(user))
        ).fetchone()
        if row is None:
            raise ConversationNotFoundError(f"No conversation {cid!r}.")
        return _conversation(row)

    @staticmethod
    def _turns(db: sqlite3.Connection, cid: str, index: int | None = None) -> builtins.list[Turn]:
        """The conversation's turns in order, or only the one at ``index``."""
        rows = db.execute(
            "SELECT idx, question, answer, feedback, created_at FROM turns "
            "WHERE conversation_id = ? AND (? IS NULL OR idx = ?) ORDER BY idx",
            (cid, index, index),
        ).fetchall()
        return [_turn(row) for row in rows]

    @staticmethod
    def _touch(db: sqlite3.Connection, cid: str, **columns: str) -> None:
        """Change ``columns`` and move the conversation to the top of its user's list."""
        assignments = "".join(f"{name} = ?, " for name in columns)
        db.execute(
            f"UPDATE conversations SET {assignments}updated_at = ?, "
            "recency = (SELECT MAX(recency) + 1 FROM conversations) WHERE id = ?",
            (*columns.values(), _now(), cid),
        )

    # -- conversations ---------------------------------------------------------------------------

    def create(self, user: str, title: str = "", documents: Iterable[str] = ()) -> Conversation:
        """A new, empty conversation; without a ``title`` its first question names it."""
        user, title, scope = _user(user), _title(title), _documents(documents)
        now = _now()
        cid = secrets.token_urlsafe(12)
        with self._transaction(write=True) as db:
            db.execute(
                "INSERT INTO conversations (id, owner, title, documents, created_at, updated_at, recency) "
                "VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(recency), 0) + 1 FROM conversations))",
                (cid, user, title, json.dumps(scope), now, now),
            )
        return Conversation(cid, user, title, now, now, 0, scope)

    def list(self, user: str) -> builtins.list[Conversation]:
        """The user's conversations, the most recently changed first."""
        with self._transaction() as db:
            rows = db.execute(
                f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c WHERE c.owner = ? ORDER BY c.recency DESC",
                (_user(user),),
            ).fetchall()
        return [_conversation(row) for row in rows]

    def get(self, user: str, cid: str) -> tuple[Conversation, builtins.list[Turn]]:
        """The conversation and its turns in order; ``ConversationNotFoundError`` if the user has none
        of that id."""
        with self._transaction() as db:
            return self._find(db, user, cid), self._turns(db, cid)

    def rename(self, user: str, cid: str, title: str) -> Conversation:
        """Give the conversation a title; a blank one names it after its first question again."""
        title = _title(title)
        with self._transaction(write=True) as db:
            self._find(db, user, cid)
            if not title:
                first = db.execute("SELECT question FROM turns WHERE conversation_id = ? AND idx = 0", (cid,))
                row = first.fetchone()
                title = shorten(row[0], SHORT_TITLE_CHARS) if row else ""
            self._touch(db, cid, title=title)
            return self._find(db, user, cid)

    def set_documents(self, user: str, cid: str, documents: Iterable[str]) -> Conversation:
        """Limit the conversation to these documents (ids); an empty list means every document."""
        scope = _documents(documents)
        with self._transaction(write=True) as db:
            self._find(db, user, cid)
            self._touch(db, cid, documents=json.dumps(scope))
            return self._find(db, user, cid)

    def delete(self, user: str, cid: str) -> None:
        """Delete the conversation with its turns and their feedback."""
        with self._transaction(write=True) as db:
            self._find(db, user, cid)
            db.execute("DELETE FROM conversations WHERE id = ?", (cid,))

    # -- turns -----------------------------------------------------------------------------------

    def add_turn(self, user: str, cid: str, question: str, answer: Answer) -> Turn:
        """Save a question (as the person asked it) and its answer as the conversation's next turn."""
        if not isinstance(question, str) or not question.strip():
            raise InvalidConversationError("A turn needs the question that was asked.")
        saved = json.dumps(answer.to_dict(), ensure_ascii=False)
        now = _now()
        with self._transaction(write=True) as db:
            conversation = self._find(db, user, cid)
            index = db.execute(
                "SELECT COALESCE(MAX(idx) + 1, 0) FROM turns WHERE conversation_id = ?", (cid,)
            ).fetchone()[0]
            db.execute(
                "INSERT INTO turns (conversation_id, idx, question, answer, created_at) VALUES (?, ?, ?, ?, ?)",
                (cid, index, question, saved, now),
            )
            self._touch(db, cid, title=conversation.title or shorten(question, SHORT_TITLE_CHARS))
        return Turn(index, question, Answer.from_dict(json.loads(saved)), now)

    def set_feedback(self, user: str, cid: str, turn_index: int, feedback: Feedback | None) -> Turn:
        """Record a person's verdict on one answer (``None`` withdraws it). Feedback does not move the
        conversation up the list: rating an old answer is not new activity in it."""
        saved = None if feedback is None else json.dumps(asdict(feedback), ensure_ascii=False)
        with self._transaction(write=True) as db:
            self._find(db, user, cid)
            changed = db.execute(
                "UPDATE turns SET feedback = ? WHERE conversation_id = ? AND idx = ?", (saved, cid, turn_index)
            )
            if changed.rowcount == 0:
                raise TurnNotFoundError(f"Conversation {cid!r} has no turn {turn_index!r}.")
            return self._turns(db, cid, turn_index)[0]

    def with_feedback(self, user: str | None = None) -> builtins.list[tuple[Conversation, builtins.list[Turn]]]:
        """Every conversation (of ``user``, or of everyone with ``None``) that has a turn with feedback,
        with all its turns (a rated follow-up needs the turns before it), oldest conversation first."""
        with self._transaction() as db:
            rows = db.execute(
                f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c WHERE (? IS NULL OR c.owner = ?) AND "
                "EXISTS (SELECT 1 FROM turns t WHERE t.conversation_id = c.id AND t.feedback IS NOT NULL) "
                "ORDER BY c.rowid",
                (user, user),
            ).fetchall()
            return [(conversation, self._turns(db, conversation.id)) for conversation in map(_conversation, rows)]
