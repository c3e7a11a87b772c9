"""What the conversation store refuses, as ``AssistantError`` subclasses with messages a person can act on."""

from __future__ import annotations

from ..errors import AssistantError


class ConversationNotFoundError(AssistantError, KeyError):
    """No conversation of this user has the id. Another user's conversation is reported the same way,
    so that an id says nothing about whether it exists for someone else."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class TurnNotFoundError(ConversationNotFoundError):
    """The conversation has no turn with that index."""


class InvalidConversationError(AssistantError, ValueError):
    """A value the store cannot keep: a blank question, a scope that is not a list of document ids."""


class InvalidFeedbackError(InvalidConversationError):
    """Feedback with a rating other than +1/-1/0, or a correction that cannot be right."""


class ConversationStoreError(AssistantError):
    """The conversations file cannot be used: damaged, or written by a newer version of the assistant."""
