"""Saved conversations and feedback on their answers: kept per user in one SQLite file beside the
index, exported as Markdown, and turned into an evaluation question set.

>>> from assistant import Assistant
>>> from assistant.conversations import Feedback, to_markdown
>>> assistant = Assistant.open("index")
>>> chat = assistant.conversations.create(user="")
>>> assistant.conversations.add_turn("", chat.id, question, assistant.ask(question))
>>> assistant.conversations.set_feedback("", chat.id, 0, Feedback(rating=1))
>>> print(to_markdown(*assistant.conversations.get("", chat.id)))
"""

from .errors import (
    ConversationNotFoundError,
    ConversationStoreError,
    InvalidConversationError,
    InvalidFeedbackError,
    TurnNotFoundError,
)
from .feedback import FeedbackQuestions, feedback_questions
from .markdown import source_line, to_markdown
from .models import Conversation, Feedback, Turn
from .store import ConversationStore, conversations_path

__all__ = [
    "Conversation",
    "ConversationNotFoundError",
    "ConversationStore",
    "ConversationStoreError",
    "Feedback",
    "FeedbackQuestions",
    "InvalidConversationError",
    "InvalidFeedbackError",
    "Turn",
    "TurnNotFoundError",
    "conversations_path",
    "feedback_questions",
    "source_line",
    "to_markdown",
]
