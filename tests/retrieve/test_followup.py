"""Chat history for follow-ups: both accepted shapes, the limits on how much of it is read, and the
standalone query a short or referring question is retrieved by."""

from __future__ import annotations

import pytest

from assistant.retrieve.followup import contextual_query, needs_context, normalize_history, recent_history

QUESTION = "What did the interior minister claim?"
ANSWER = "Sar Sokha claimed that no trafficking crime bosses operate in Cambodia [1]."
MESSAGES = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": ANSWER}]


def test_role_content_messages_keep_user_and_assistant_turns_with_text():
    history = [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": "   "},
        {"role": "assistant", "content": None},
        {"role": "tool", "content": "{}"},
        {"role": "assistant", "content": ANSWER},
        {"content": "no role at all"},
    ]
    assert normalize_history(history) == MESSAGES


def test_user_assistant_pairs_become_the_same_messages():
    assert normalize_history([(QUESTION, ANSWER)]) == MESSAGES
    assert normalize_history([[QUESTION, ANSWER]]) == MESSAGES, "Gradio sends pairs as lists"
    # A pair whose answer is still pending (or blank) contributes only the question.
    assert normalize_history([(QUESTION, None), ("  ", ANSWER)]) == [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": ANSWER},
    ]


def test_no_history_is_an_empty_list():
    assert normalize_history(None) == []
    assert normalize_history([]) == []


@pytest.mark.parametrize("item", ["What did he say?", (QUESTION, ANSWER, "extra"), 42])
def test_any_other_item_is_refused_naming_both_shapes(item):
    with pytest.raises(TypeError, match=r"'role'.*\(user, assistant\) pairs"):
        normalize_history([item])


def _messages(*contents: str) -> list[dict[str, str]]:
    roles = ["user", "assistant"]
    return [{"role": roles[i % 2], "content": c} for i, c in enumerate(contents)]


def test_recent_history_keeps_the_latest_messages_oldest_first():
    messages = _messages("q1", "a1", "q2", "a2", "q3", "a3")
    assert recent_history(messages, max_turns=2, max_chars=1_000) == messages[-2:]
    assert recent_history(messages, max_turns=3, max_chars=1_000) == messages[-3:]
    assert recent_history(messages, max_turns=20, max_chars=1_000) == messages
    assert recent_history(messages, max_turns=0, max_chars=1_000) == []


def test_recent_history_stops_at_the_character_limit_counting_from_the_newest():
    messages = _messages("a" * 10, "b" * 10, "c" * 10)
    assert recent_history(messages, max_turns=10, max_chars=30) == messages
    assert recent_history(messages, max_turns=10, max_chars=29) == messages[1:]
    assert recent_history(messages, max_turns=10, max_chars=20) == messages[1:]
    assert recent_history(messages, max_turns=10, max_chars=19) == messages[2:]
    # The newest message alone over the limit: nothing is kept, rather than a message cut short.
    assert recent_history(messages, max_turns=10, max_chars=9) == []


def test_short_or_referring_questions_need_context():
    assert needs_context("And the budget?", max_words=3)
    assert not needs_context("Which regional office approved the budget?", max_words=3)
    assert needs_context("Which regional office approved their budget?", max_words=3), "'their' refers back"
    assert needs_context("Which regional office approved the same budget?", max_words=3)
    # Whole words only: "items" and "within" contain "it" but refer to nothing.
    assert not needs_context("Which items are listed within the winter catalogue?", max_words=3)


def test_a_follow_up_is_prefixed_with_the_last_question_and_the_answer_without_markers():
    query = contextual_query("What did he say about foreign criminals?", MESSAGES, max_words=12)
    assert query == (
        f"{QUESTION} Sar Sokha claimed that no trafficking crime bosses operate in Cambodia."
        " What did he say about foreign criminals?"
    )


def test_the_last_user_turn_is_used_even_when_no_answer_follows_it():
    history = [*MESSAGES, {"role": "user", "content": "Who chairs the committee?"}]
    assert contextual_query("Since when?", history, max_words=12) == "Who chairs the committee? Since when?"


def test_only_the_first_words_of_a_long_answer_are_borrowed():
    answer = " ".join(f"w{i}" for i in range(200))
    query = contextual_query("Why?", [(QUESTION, answer)], max_words=12)
    borrowed = query.removeprefix(QUESTION + " ").removesuffix(" Why?").split()
    assert borrowed == [f"w{i}" for i in range(60)]


def test_a_standalone_question_or_an_empty_history_gives_no_contextual_query():
    standalone = "Which regional office approved the annual budget for the northern province last spring?"
    assert contextual_query(standalone, MESSAGES, max_words=12) is None
    assert contextual_query("Why?", None, max_words=12) is None
    assert contextual_query("Why?", [{"role": "system", "content": "x"}], max_words=12) is None
