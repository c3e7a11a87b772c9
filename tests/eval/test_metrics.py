"""The scorer on hand-made cases whose scores are known in advance (no model, no index)."""

from __future__ import annotations

import pytest

from assistant.eval import metrics as m
from assistant.eval.questions import EvalQuestion
from assistant.eval.report import render_markdown
from assistant.eval.runner import EvalReport, score_answer, summarize
from assistant.types import Answer, Citation, Passage


def test_squad_normalisation_drops_case_punctuation_articles_and_markers():
    assert m.normalize_answer("The  Royal Government, of Cambodia! [2]") == "royal government of cambodia"
    assert m.normalize_answer("Cambodia’s “Firm Stance”") == m.normalize_answer('Cambodia\'s "firm stance"')


def test_answer_in_text_matches_whole_words_only():
    assert m.answer_in_text("It was held on December 12 [1].", ["december 12"])
    assert not m.answer_in_text("It was held on December 121.", ["December 12"])
    assert not m.answer_in_text("Anything at all", [])


def test_token_f1_known_values():
    # prediction 4 tokens, gold 2, overlap 2: P=0.5, R=1, F1=2/3
    assert m.token_f1("held on December 12", "December 12") == pytest.approx(2 / 3)
    assert m.token_f1("the cat", "a dog") == 0.0
    assert m.best_f1("Sar Sokha said", ["Hun Manet", "Sar Sokha"]) == pytest.approx(0.8)
    assert m.exact_match("The NCCT.", ["NCCT"])


def test_source_rank_and_match_by_file_name():
    sources = ["/d/a.txt", "/d/a.txt", "/d/sub/b.pdf", "/d/c.md"]
    assert m.source_rank("b.pdf", sources) == 2  # duplicates count once
    assert m.source_rank("sub/b.pdf", sources) == 2
    assert m.source_rank("B.PDF", sources) == 2
    assert m.source_rank("b.txt", sources) is None


def test_abstention_scores_on_a_known_confusion_matrix():
    # (answerable, found): 2 right refusals, 1 wrong refusal, 1 unanswerable answered, 2 answered fine
    outcomes = [(False, False), (False, False), (True, False), (False, True), (True, True), (True, True)]
    s = m.abstention_scores(outcomes)
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(2 / 3)
    assert s.false_refusal_rate == pytest.approx(1 / 3)
    assert m.abstention_scores([(True, True)]).recall is None


def test_quote_support_accepts_containment_and_near_complete_long_answers():
    assert m.quote_supports("Sokha chairs the NCCT, he said.", ["NCCT"])
    gold = "no trafficking crime bosses are operating in the country"
    assert m.quote_supports("He said no trafficking crime bosses were operating in the country.", [gold])
    assert not m.quote_supports("Crime bosses hide abroad.", [gold])


def _passage(source: str, chunk_id: int) -> Passage:
    return Passage(chunk_id, "doc", source, "title", None, "text", 0, 4, 0.5)


def _citation(marker: int, source: str, quote: str) -> Citation:
    return Citation(marker, source, "title", None, 1, "doc", quote, 0, len(quote), 0, len(quote), 0.9, 0.5)


def _answer(
    text: str,
    found: bool,
    citations: list[Citation],
    sources: list[str],
    confidence: float = 0.5,
    answerer: str = "extractive",
) -> Answer:
    passages = [_passage(s, i) for i, s in enumerate(sources)]
    return Answer("q", text, found, citations, passages, confidence, answerer, "q")


def test_score_and_summarize_a_small_set_with_known_metrics():
    right = EvalQuestion("right", "Who chairs the NCCT?", ["Sar Sokha"], "seed.txt")
    wrong_doc = EvalQuestion("wrong", "When was it held?", ["December 12"], "seed.txt")
    refused = EvalQuestion("refused", "What was the theme?", ["Firm Stance"], "seed.txt")
    abstain = EvalQuestion("abstain", "What is the population?", [], None)
    results = [
        score_answer(
            right,
            _answer(
                "Sar Sokha chairs it [1]. Others spoke [2].",
                True,
                [
                    _citation(1, "/x/seed.txt", "Sar Sokha chairs the NCCT."),
                    _citation(2, "/x/other.txt", "Others spoke."),
                ],
                ["/x/seed.txt", "/x/other.txt"],
            ),
            0.1,
        ),
        score_answer(
            wrong_doc,
            _answer(
                "It was in May [1].",
                True,
                [_citation(1, "/x/other.txt", "It was in May.")],
                ["/x/other.txt", "/x/seed.txt"],
            ),
            0.2,
        ),
        score_answer(refused, _answer("No answer.", False, [], ["/x/other.txt"]), 0.3),
        score_answer(abstain, _answer("No answer.", False, [], ["/x/seed.txt"]), 0.4),
    ]
    assert [r.failure for r in results] == [
        None,
        "answer does not contain a gold answer",
        "refused an answerable question",
        None,
    ]
    assert results[0].f1 == pytest.approx(0.5)  # 6 answer tokens, 2 gold: P=1/3, R=1
    counts, mt = summarize(results, k=2)
    assert counts == {
        "questions": 4,
        "answerable": 3,
        "unanswerable": 1,
        "with_source": 3,
        "with_history": 0,
        "errors": 0,
        "failures": 2,
        "citations_checked": 3,
    }
    assert mt["answer_match"] == pytest.approx(1 / 3)
    assert mt["source_hit_at_k"] == pytest.approx(2 / 3)  # ranks 1, 2, missing
    assert mt["source_mrr"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert mt["cited_source_hit"] == pytest.approx(1 / 3)
    assert [r.cited_source_ok for r in results] == [True, False, None, None]
    assert mt["cited_source"] == pytest.approx(1 / 2)  # the refusal is not counted against it
    assert mt["abstention_precision"] == pytest.approx(0.5)
    assert mt["abstention_recall"] == pytest.approx(1.0)
    assert mt["false_refusal_rate"] == pytest.approx(1 / 3)
    assert mt["citation_support"] == pytest.approx(1 / 3)  # 1 of 3 quotes carries a gold answer
    assert mt["latency_p50_s"] == pytest.approx(0.25)


def test_gold_answer_quoted_from_another_document_fails_the_cited_source_check():
    question = EvalQuestion("date", "When was it held?", ["December 12"], "sub/seed.txt")
    elsewhere = score_answer(
        question,
        _answer(
            "It was held on December 12 [1].",
            True,
            [_citation(1, "/x/other/seed.txt", "It was held on December 12.")],
            ["/x/other/seed.txt", "/x/sub/seed.txt"],
        ),
        0.1,
    )
    assert elsewhere.answer_match and elsewhere.retrieved_rank == 2
    assert elsewhere.cited_source_ok is False  # same file name, but not the path suffix asked for
    assert elsewhere.failure == "cited another document than sub/seed.txt"

    uncited = score_answer(question, _answer("It was held on December 12.", True, [], ["/x/sub/seed.txt"]), 0.1)
    assert uncited.cited_source_ok is False
    assert uncited.failure == "cited no document, expected sub/seed.txt"

    right = score_answer(
        question,
        _answer(
            "It was held on December 12 [1].",
            True,
            [_citation(1, "/x/SUB/Seed.txt", "It was held on December 12.")],
            ["/x/SUB/Seed.txt"],
        ),
        0.1,
    )
    assert right.cited_source_ok is True and right.failure is None

    no_source = EvalQuestion("nosrc", "When was it held?", ["December 12"], None)
    unsourced = score_answer(
        no_source,
        _answer("It was on December 12 [1].", True, [_citation(1, "/x/other.txt", "December 12.")], ["/x/other.txt"]),
        0.1,
    )
    assert unsourced.cited_source_ok is None and unsourced.failure is None

    _, mt = summarize([elsewhere, uncited, right, unsourced], k=2)
    assert mt["cited_source"] == pytest.approx(1 / 3)
    assert summarize([unsourced], k=2)[1]["cited_source"] is None


def _report(results) -> EvalReport:
    counts, mt = summarize(results, k=2)
    return EvalReport("2024-01-01T00:00:00+00:00", None, None, {}, 2, counts, mt, results)


def test_report_shows_each_failures_confidence():
    question = EvalQuestion("date", "When was it held?", ["December 12"], "seed.txt")
    cites_other = [_citation(1, "/x/other.txt", "It was in May.")]

    def failed(answerer: str):
        answer = _answer("It was in May [1].", True, cites_other, ["/x/other.txt"], 0.4321, answerer)
        return score_answer(question, answer, 0.1)

    markdown = render_markdown(_report([failed("extractive")]), {})
    assert "| Cited source (answered questions citing the expected file) | 0.000 |" in markdown
    assert "| id | question | gold | answer | confidence | why | source rank |" in markdown
    assert "| It was in May [1]. | 0.43 | answer does not contain a gold answer |" in markdown
