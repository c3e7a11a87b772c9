"""``feedback_questions``: feedback on real answers becomes a question set in the evaluation's format
(checked by the evaluation's own parser); ``assistant eval`` on it is in tests/test_eval_cli.py."""

from __future__ import annotations

import json

from assistant.conversations import ConversationStore, Feedback, feedback_questions
from assistant.eval import parse_questions

CHAIR = "Who chairs the National Committee for Counter Trafficking?"  # the question answers["chair"] answers

SEED_FILE_NAME = "000_fcc0bbe20b5887f6.txt"


def test_each_kind_of_feedback_gives_its_question_or_is_counted_out(tmp_path, answers):
    store = ConversationStore(tmp_path / "conversations.sqlite")
    chat = store.create("ana")
    for name in ("chair", "follow_up", "monarch", "observance", "observance", "chair"):
        store.add_turn("ana", chat.id, answers[name].question, answers[name])
    passage = answers["follow_up"].passages[-1]
    picked = passage.text.split(". ")[0] + "."  # as selected in the passage: line breaks and all
    correction = " ".join(picked.split())
    store.set_feedback("ana", chat.id, 0, Feedback(rating=1))
    store.set_feedback(
        "ana", chat.id, 1, Feedback(rating=-1, correct_quote=f"  {picked}\n", correct_doc_id=passage.doc_id)
    )
    store.set_feedback("ana", chat.id, 2, Feedback(rating=1))  # right: the documents don't say
    store.set_feedback("ana", chat.id, 3, Feedback(rating=-1))  # wrong, but what is right?
    store.set_feedback("ana", chat.id, 4, Feedback(rating=0, note="a note only"))
    # Turn 5 has no feedback. Another user's feedback is theirs.
    other = store.create("bob")
    store.add_turn("bob", other.id, CHAIR, answers["chair"])
    store.set_feedback("bob", other.id, 0, Feedback(rating=-1))

    found = feedback_questions(store, "ana")
    assert found.downvoted_uncorrected == 1
    chair, follow_up = answers["chair"], answers["follow_up"]
    assert found.questions == [
        {
            "id": f"{chat.id}-0",
            "question": CHAIR,
            "answers": [c.quote for c in chair.citations],
            "source": SEED_FILE_NAME,
        },
        {
            "id": f"{chat.id}-1",
            "question": follow_up.question,
            "answers": [correction],
            "source": SEED_FILE_NAME,
            # The follow-up keeps the turn before it, as the chat asked it.
            "history": [{"role": "user", "content": CHAIR}, {"role": "assistant", "content": chair.text}],
        },
        {
            "id": f"{chat.id}-2",
            "question": answers["monarch"].question,
            "answers": [],
            "source": None,
            "history": found.questions[1]["history"]
            + [
                {"role": "user", "content": follow_up.question},
                {"role": "assistant", "content": follow_up.text},
            ],
        },
    ]
    # What the evaluation reads, line for line; the ids stay put from one export to the next.
    parsed = parse_questions(json.dumps(q) for q in found.questions)
    assert [(q.id, q.answerable, len(q.history)) for q in parsed] == [
        (f"{chat.id}-0", True, 0),
        (f"{chat.id}-1", True, 2),
        (f"{chat.id}-2", False, 4),
    ]
    assert feedback_questions(store, "ana") == found

    everyone = feedback_questions(store)
    assert everyone.questions == found.questions and everyone.downvoted_uncorrected == 2
    assert feedback_questions(store, "carol").questions == []


def test_a_correction_from_a_document_the_answer_did_not_show_names_no_source(tmp_path, answers):
    store = ConversationStore(tmp_path / "conversations.sqlite")
    chat = store.create("")
    store.add_turn("", chat.id, CHAIR, answers["chair"])
    store.set_feedback("", chat.id, 0, Feedback(rating=-1, correct_quote="Sar Sokha", correct_doc_id="elsewhere"))
    (question,) = feedback_questions(store).questions
    assert (question["answers"], question["source"]) == (["Sar Sokha"], None)
