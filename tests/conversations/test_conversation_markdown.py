"""``to_markdown`` on a conversation of real answers from the seed index."""

from __future__ import annotations

from dataclasses import replace

from support import SEED_TITLE

from assistant.conversations import Conversation, ConversationStore, Feedback, Turn, source_line, to_markdown

CHAIR = "Who chairs the National Committee for Counter Trafficking?"  # the question answers["chair"] answers


def test_a_conversation_exports_questions_answers_and_their_sources(tmp_path, answers):
    store = ConversationStore(tmp_path / "conversations.sqlite")
    chat = store.create("ana")
    for answer in (answers["chair"], answers["follow_up"], answers["monarch"]):
        store.add_turn("ana", chat.id, answer.question, answer)
    store.set_feedback("ana", chat.id, 0, Feedback(rating=-1, note="PRIVATE NOTE"))
    markdown = to_markdown(*store.get("ana", chat.id))

    chair, follow_up, monarch = answers["chair"], answers["follow_up"], answers["monarch"]
    assert markdown.startswith(f"# {CHAIR}\n\n{chat.created_at[:10]} ")
    quote = chair.citations[0].quote
    assert (
        f'## 1. {CHAIR}\n\n{chair.text}\n\nSources:\n\n- [1] {SEED_TITLE}: "{quote}"\n\n## 2. {follow_up.question}'
    ) in markdown
    assert "[1]" in chair.text  # the answer keeps the marker its source line explains
    assert markdown.endswith(
        f"## 3. {monarch.question}\n\n**Not answered from the documents.** {monarch.text}\n"
    )  # said plainly, and with no sources listed
    assert markdown.count("Sources:") == 2
    assert "PRIVATE NOTE" not in markdown and "rating" not in markdown


def test_source_lines_name_page_and_section_and_differing_sources_are_listed(answers):
    citation = replace(answers["observance"].citations[0], page=3, heading="2 Setup > 2.4 Notes", quote="A\n  quote.")
    assert source_line(citation) == f'[1] {SEED_TITLE}, p. 3, 2 Setup > 2.4 Notes: "A quote."'

    answer = replace(answers["observance"], conflicts=[replace(citation, marker=2, quote="Another reading.")])
    chat = Conversation("c1", "", "", "2025-01-02T03:04:05+00:00", "2025-01-02T03:04:05+00:00", 1)
    markdown = to_markdown(chat, [Turn(0, answer.question, answer, chat.created_at)])
    assert markdown.startswith("# Conversation\n\n2025-01-02 03:04 UTC\n\n")
    assert f'Sources that say otherwise:\n\n- [2] {SEED_TITLE}, p. 3, 2 Setup > 2.4 Notes: "Another reading."\n' in (
        markdown
    )
