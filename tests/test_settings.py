"""Settings come from arguments, environment and a TOML file; components are chosen by configuration."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from support import SEEDS

import assistant.assistant as assistant_module
from assistant import Assistant, AssistantError, Settings, ask
from assistant.answer.registry import register_answerer
from assistant.types import Answer


def test_precedence_arguments_environment_file(tmp_path, monkeypatch):
    config = tmp_path / "assistant.toml"
    config.write_text('top_k = 7\nretrieval_mode = "bm25"\nbm25_weight = 2.5\n')
    monkeypatch.setenv("ASSISTANT_CONFIG", str(config))
    assert Settings().top_k == 7 and Settings().retrieval_mode == "bm25"
    monkeypatch.setenv("ASSISTANT_TOP_K", "3")
    assert Settings().top_k == 3
    assert Settings(top_k=9).top_k == 9
    assert Settings().bm25_weight == 2.5


def test_invalid_settings_are_rejected():
    with pytest.raises(ValidationError):
        Settings(retrieval_mode="psychic")
    with pytest.raises(ValidationError):
        Settings(chunk_tokens=100, chunk_overlap_tokens=100)


def test_retrieval_mode_from_config_file_changes_retrieval(seed_index, tmp_path, monkeypatch):
    config = tmp_path / "assistant.toml"
    config.write_text('retrieval_mode = "dense"\n')
    monkeypatch.setenv("ASSISTANT_CONFIG", str(config))
    answer = Assistant.open(seed_index).ask("Who chairs the NCCT?")
    assert all(p.bm25_rank is None and p.dense_rank for p in answer.passages)


def test_answerer_is_swapped_through_configuration(seed_index):
    class ShoutingAnswerer:
        name = "shouting"

        def __init__(self, settings):
            self.settings = settings

        def answer(self, request):
            top = request.passages[0]
            return Answer(
                request.question,
                top.text.upper(),
                True,
                [],
                request.passages,
                1.0,
                self.name,
                request.retrieval_query,
                request.timings,
            )

    register_answerer("shouting", ShoutingAnswerer)
    answer = Assistant.open(seed_index, answerer="shouting").ask("Who chairs the NCCT?")
    assert answer.answerer == "shouting" and answer.text.isupper()
    with pytest.raises(AssistantError, match="Unknown answerer 'nope'"):
        Assistant.open(seed_index, answerer="nope")

    # Per call: one question goes to another answerer, the configured one stays the default.
    assistant = Assistant.open(seed_index)
    shouted = assistant.ask("Who chairs the NCCT?", answerer="shouting")
    assert shouted.answerer == "shouting" and shouted.text.isupper()
    assert assistant.answerer_for("shouting") is assistant.answerer_for("shouting")
    assert assistant.ask("Who chairs the NCCT?").answerer == "extractive"
    final = list(assistant.ask_stream("Who chairs the NCCT?", answerer="shouting"))[-1]
    assert final.answerer == "shouting"
    with pytest.raises(AssistantError, match="Unknown answerer 'nope'"):
        assistant.ask("Who chairs the NCCT?", answerer="nope")


def test_module_level_ask_builds_the_default_index_from_seeds(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "default-index"))
    monkeypatch.setenv("ASSISTANT_SEEDS_DIR", str(SEEDS))
    monkeypatch.setattr(assistant_module, "_default", None)
    answer = ask("Who chairs the National Committee for Counter Trafficking?")
    assert answer.found and "Sokha" in answer.text
    assert (tmp_path / "default-index" / "store.sqlite").exists()


def test_a_profile_overlays_the_file_and_the_environment_still_wins(tmp_path, monkeypatch):
    config = tmp_path / "assistant.toml"
    config.write_text('top_k = 7\nfusion = "rrf"\n\n[profiles.precise]\ntop_k = 3\nanswer_max_sentences = 1\n')
    monkeypatch.setenv("ASSISTANT_CONFIG", str(config))
    assert (Settings().top_k, Settings().answer_max_sentences) == (7, 2)
    monkeypatch.setenv("ASSISTANT_PROFILE", "precise")
    settings = Settings()
    assert (settings.top_k, settings.answer_max_sentences, settings.fusion) == (3, 1, "rrf")
    monkeypatch.setenv("ASSISTANT_TOP_K", "9")
    assert Settings().top_k == 9
    monkeypatch.setenv("ASSISTANT_PROFILE", "fast")
    with pytest.raises(ValueError, match=r"no \[profiles.fast\] \(profiles: precise\)"):
        Settings()
