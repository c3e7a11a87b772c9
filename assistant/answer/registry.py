"""Answerers by name, so configuration (``Settings.answerer``) picks one without code changes.

>>> register_answerer("mine", lambda settings: MyAnswerer(settings))
>>> make_answerer(Settings(answerer="mine"))
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import AssistantError
from ..settings import Settings
from .base import Answerer
from .extractive import ExtractiveAnswerer

AnswererFactory = Callable[[Settings], Answerer]


def _generative(settings: Settings) -> Answerer:
    # Imported only when chosen: llama-cpp-python and the OpenAI client are the optional extras.
    from .generative import make_generative_answerer

    return make_generative_answerer(settings)


_FACTORIES: dict[str, AnswererFactory] = {
    "extractive": lambda settings: ExtractiveAnswerer(settings.answering),
    "local-llm": _generative,
    "openai": _generative,
}


def register_answerer(name: str, factory: AnswererFactory) -> None:
    _FACTORIES[name] = factory


def available_answerers() -> list[str]:
    return sorted(_FACTORIES)


def make_answerer(settings: Settings) -> Answerer:
    try:
        factory = _FACTORIES[settings.answerer]
    except KeyError:
        raise AssistantError(
            f"Unknown answerer {settings.answerer!r}; available: {', '.join(available_answerers())}"
        ) from None
    return factory(settings)
