"""Written answers from a language model, every sentence cited and every citation checked.

The flow keeps the extractive answerer's guarantees:

1. Retrieval abstention first: when the extractive answerer finds nothing to quote, the documents
   are silent and the model is never called.
2. The prompt holds the question and numbered sources, within a token budget (small models on two
   cores read about 45 tokens a second, so every source token costs time before the first word).
3. The reply streams out as it is generated.
4. Each sentence is checked against the passages it cites (``verify.SupportCheck``); unsupported
   citations are dropped. A sentence none of its citations supports is cited to the one source that
   does, if any (small models misnumber sources), and removed from the answer otherwise. When most
   sentences fail, or the model is unreachable, the extractive answer is returned, saying so.

    >>> answerer = GenerativeAnswerer(llm, embedder, ExtractiveAnswerer(settings))
    >>> for item in answerer.stream(request):
    ...     print(item if isinstance(item, str) else item.text)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from ..embedding import Embedder, load_embedder
from ..llm.backends import ChatModel, LLMError, LocalGGUF, Message, OpenAICompatible, complete
from ..llm.model_files import resolve_model
from ..llm.prompts import PromptLibrary
from ..settings import LLMSection, Settings
from ..text import punkt
from ..types import Answer, Citation, Passage
from .base import NO_ANSWER, Answerer, AnswerRequest, CandidateSentence, abstention, quote_citation
from .verify import Support, SupportCheck, in_passage

_MARKERS = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_LEADING_MARKERS = re.compile(r"^(\s*\[\d+(?:\s*,\s*\d+)*\])+")
# Abstentions the model writes in its own words ("The provided sources do not mention ...").
_ABSTAIN = re.compile(
    r"\b(do(es)? not (answer|contain|mention|say|provide|specify|state)|no information|not (mentioned|stated|"
    r"provided|specified)|cannot (be )?(answer|determine|find))",
    re.IGNORECASE,
)
_LABEL = re.compile(r"^\s*(standalone question|question)\s*:\s*", re.IGNORECASE)
_HISTORY_TURNS = 4
_HISTORY_CHARS = 400


@dataclass
class VerifiedSentence:
    """One generated sentence: the sources it cited, those that support it, and its best support score.

    ``repaired`` marks a sentence whose cited sources did not support it (or that cited none) but
    another source did: the answer cites that source instead, since small models often misnumber.
    """

    text: str
    cited: list[int]
    supported_by: list[int]
    support: float
    verified: bool
    repaired: bool = False


@dataclass
class GenerativeAnswer(Answer):
    """An ``Answer`` that also records the model's sentences and which of them were verified.

    ``generated`` is the raw model output; ``fallback`` says why the extractive answer was returned
    instead (empty when the generated answer stands).
    """

    sentences: list[VerifiedSentence] = field(default_factory=list)
    generated: str = ""
    fallback: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["sentences"] = [asdict(s) for s in self.sentences]
        data["generated"] = self.generated
        data["fallback"] = self.fallback
        return data


def _default(name: str) -> Any:
    return Settings.model_fields[name].default


@dataclass(frozen=True)
class GenerationConfig:
    """``context_tokens`` bounds the whole prompt (instructions, question and sources);
    ``min_verified`` is the share of sentences that must be verified for the answer to stand."""

    # The defaults are the settings' own, so they are written in one place (settings.py).
    context_tokens: int = _default("llm_context_tokens")
    max_answer_tokens: int = _default("llm_max_answer_tokens")
    min_verified: float = _default("llm_min_verified")
    condense_followups: bool = _default("llm_condense_followups")
    abstain_text: str = NO_ANSWER


@dataclass
class Source:
    number: int
    passage: Passage
    text: str


def _sanitize(text: str) -> str:
    # A document must not be able to forge citation markers inside its own text.
    return _MARKERS.sub(lambda m: f"({m.group(1)})", text)


def split_sentences(text: str) -> list[str]:
    """Sentences of generated text; a marker written after the full stop stays with its sentence."""
    parts = [text[a:b].strip() for a, b in punkt().span_tokenize(text)]
    sentences: list[str] = []
    for part in parts:
        lead = _LEADING_MARKERS.match(part)
        if lead and sentences:
            sentences[-1] += " " + lead.group(0).strip()
            part = part[lead.end() :].strip()
        if part:
            sentences.append(part)
    return sentences


def cited_numbers(sentence: str) -> list[int]:
    numbers: list[int] = []
    for group in _MARKERS.findall(sentence):
        for n in (int(x) for x in group.split(",")):
            if n not in numbers:
                numbers.append(n)
    return numbers


def strip_markers(sentence: str) -> str:
    return re.sub(r"\s+([.,;:!?])", r"\1", _MARKERS.sub("", sentence)).strip()


def is_abstention(text: str, abstain_text: str) -> bool:
    plain = strip_markers(text).lower()
    return abstain_text.lower().rstrip(".") in plain or bool(_ABSTAIN.search(plain))


class GenerativeAnswerer:
    """Answers with a chat model; see the module docstring for the checks around the model."""

    def __init__(
        self,
        llm: ChatModel,
        embedder: Embedder,
        fallback: Answerer,
        prompts: PromptLibrary | None = None,
        config: GenerationConfig | None = None,
        check: SupportCheck | None = None,
        name: str = "generative",
    ) -> None:
        self.llm = llm
        self.embedder = embedder
        self.fallback = fallback
        self.prompts = prompts or PromptLibrary()
        self.config = config or GenerationConfig()
        self.check = check or SupportCheck()
        self.name = name

    def answer(self, request: AnswerRequest) -> Answer:
        *_, final = self.stream(request)
        assert isinstance(final, Answer)  # a stream ends with its Answer
        return final

    def condense(self, question: str, history: list[dict[str, str]]) -> str | None:
        """A follow-up rewritten as a standalone question (in its own language), or None when there is
        no history or the model cannot be reached; retrieval then uses the raw question alone."""
        if not history or not self.config.condense_followups:
            return None
        turns = "\n".join(
            f"{m['role'].capitalize()}: {strip_markers(m['content'])[:_HISTORY_CHARS]}"
            for m in history[-_HISTORY_TURNS:]
        )
        prompt = self.prompts.render("condense", history=turns, question=question)
        try:
            reply = complete(self.llm, [Message("user", prompt)], max_tokens=64)
        except LLMError:
            return None
        lines = [_LABEL.sub("", line).strip().strip('"') for line in reply.splitlines() if line.strip()]
        standalone = lines[0] if lines else ""
        return standalone if standalone and standalone.lower() != question.lower() else None

    def sources(self, request: AnswerRequest, question: str) -> tuple[list[Message], list[Source]]:
        """The chat messages, with as many whole sources (best first) as the token budget allows; the
        source that crosses the budget is cut at a sentence boundary."""
        system = self.prompts.render("system", abstain=self.config.abstain_text)
        frame = self.prompts.render("answer", sources="", question=question)
        budget = self.config.context_tokens - self.llm.count_tokens(system) - self.llm.count_tokens(frame)
        quotable = {c.passage.chunk_id for c in request.candidates}
        sources: list[Source] = []
        for passage in request.passages:
            if passage.chunk_id not in quotable:
                continue
            number = len(sources) + 1
            sentences = [c.text for c in request.candidates if in_passage(c, passage)]
            kept: list[str] = []
            for sentence in sentences:
                rendered = self.prompts.render(
                    "source", number=number, title=passage.title, text=_sanitize(" ".join(kept + [sentence]))
                )
                if self.llm.count_tokens(rendered) > budget:
                    break
                kept.append(sentence)
            if not kept:
                break
            text = _sanitize(" ".join(kept))
            sources.append(Source(number, passage, text))
            budget -= self.llm.count_tokens(
                self.prompts.render("source", number=number, title=passage.title, text=text)
            )
            if len(kept) < len(sentences):
                break
        listing = "\n\n".join(
            self.prompts.render("source", number=s.number, title=s.passage.title, text=s.text) for s in sources
        )
        user = self.prompts.render("answer", sources=listing, question=question)
        return [Message("system", system), Message("user", user)], sources

    def stream(self, request: AnswerRequest) -> Iterator[str | Answer]:
        """Yields text deltas as the model writes, then the final, verified ``Answer``."""
        baseline = self.fallback.answer(request)
        if not baseline.found:
            yield self._relabel(abstention(request, self.name, baseline.confidence))
            return
        # A follow-up's standalone form (request.retrieval_query) reads better to a model than the
        # bare "what about him?"; a standalone question is asked as written.
        question = request.retrieval_query if request.history else request.question
        messages, sources = self.sources(request, question)
        if not sources:
            reason = f"The context budget of {self.config.context_tokens} tokens leaves no room for a source"
            yield self._fall_back(baseline, "", [], reason)
            return
        pieces: list[str] = []
        try:
            for delta in self.llm.stream(messages, self.config.max_answer_tokens):
                pieces.append(delta)
                yield delta
        except LLMError as exc:
            yield self._fall_back(baseline, "".join(pieces), [], f"The language model failed ({exc})")
            return
        yield self.verify("".join(pieces), sources, request, baseline)

    def verify(self, generated: str, sources: list[Source], request: AnswerRequest, baseline: Answer) -> Answer:
        """The checked answer: verified sentences with renumbered markers, or a fallback."""
        sentences = split_sentences(generated)
        if not sentences or all(is_abstention(s, self.config.abstain_text) for s in sentences):
            return self._relabel(abstention(request, self.name, baseline.confidence), generated=generated)
        by_number = {s.number: s for s in sources}
        vectors = self.embedder.encode([strip_markers(s) for s in sentences])
        checked: list[VerifiedSentence] = []
        support_of: list[dict[int, Support]] = []
        for sentence, vector in zip(sentences, vectors):
            result, supports = self._check(sentence, vector, by_number, request.candidates)
            checked.append(result)
            support_of.append(supports)
        verified = [s for s in checked if s.verified]
        # An uncited "the sources say nothing more" beside cited claims is neither verified nor a failure.
        claims = [s for s in checked if s.verified or s.cited or not is_abstention(s.text, self.config.abstain_text)]
        if not verified or len(verified) < self.config.min_verified * len(claims):
            reason = f"Only {len(verified)} of {len(claims)} generated sentences could be verified against the sources"
            return self._fall_back(baseline, generated, checked, reason)
        citations: list[Citation] = []
        keys: dict[tuple[int, int], int] = {}
        parts: list[str] = []
        for claim, supports in zip(checked, support_of):
            if not claim.verified:
                continue
            markers = []
            for n, support in supports.items():
                if support.sentence is None:
                    continue
                key = (by_number[n].passage.chunk_id, support.sentence.start)
                if key not in keys:
                    keys[key] = len(citations) + 1
                    citations.append(_citation(keys[key], by_number[n].passage, support))
                markers.append(keys[key])
            parts.append(_with_markers(strip_markers(claim.text), markers))
        confidence = sum(s.support for s in verified) / len(verified)
        return GenerativeAnswer(
            question=request.question,
            text=" ".join(parts),
            found=True,
            citations=citations,
            passages=request.passages,
            confidence=round(confidence, 4),
            answerer=self.name,
            retrieval_query=request.retrieval_query,
            timings=request.timings,
            sentences=checked,
            generated=generated,
        )

    def _check(
        self, sentence: str, vector, by_number: dict[int, Source], candidates: list[CandidateSentence]
    ) -> tuple[VerifiedSentence, dict[int, Support]]:
        """Checks the cited sources; when none supports the sentence, the best other source may."""
        claim = strip_markers(sentence)
        cited = cited_numbers(sentence)
        results = {
            n: self.check.score(claim, vector, by_number[n].passage, candidates) for n in cited if n in by_number
        }
        supported = [n for n, r in results.items() if r.supported]
        repaired = False
        if not supported and not is_abstention(sentence, self.config.abstain_text):
            others = {
                n: self.check.score(claim, vector, source.passage, candidates)
                for n, source in by_number.items()
                if n not in results
            }
            best_other = max(others, key=lambda n: others[n].score, default=None)
            if best_other is not None and others[best_other].supported:
                results[best_other] = others[best_other]
                supported, repaired = [best_other], True
        best = max((r.score for r in results.values()), default=0.0)
        verified = VerifiedSentence(sentence, cited, supported, best, bool(supported), repaired)
        return verified, {n: results[n] for n in supported}

    def _fall_back(
        self, baseline: Answer, generated: str, checked: list[VerifiedSentence], reason: str
    ) -> GenerativeAnswer:
        fields = {k: getattr(baseline, k) for k in Answer.__dataclass_fields__}
        fields["text"] = f"{reason}, so these are quoted sentences from the documents instead: {baseline.text}"
        fields["answerer"] = f"{self.name}->{baseline.answerer}"
        return GenerativeAnswer(**fields, sentences=checked, generated=generated, fallback=reason)

    def _relabel(self, answer: Answer, generated: str = "") -> GenerativeAnswer:
        fields = {k: getattr(answer, k) for k in Answer.__dataclass_fields__}
        return GenerativeAnswer(**fields, generated=generated)


def _with_markers(sentence: str, markers: list[int]) -> str:
    tags = "".join(f"[{m}]" for m in markers)
    if sentence and sentence[-1] in ".!?":
        return f"{sentence[:-1]} {tags}{sentence[-1]}"
    return f"{sentence} {tags}"


def _citation(marker: int, passage: Passage, support: Support) -> Citation:
    assert support.sentence is not None  # only a support that found its sentence is cited
    return quote_citation(marker, support.sentence, support.score, passage)


def chat_model(kind: str, llm: LLMSection) -> ChatModel:
    """The chat model of an answerer ``kind``: ``openai`` (a server) or ``local-llm`` (a GGUF file)."""
    if kind == "openai":
        return OpenAICompatible(
            llm.base_url,
            llm.server_model,
            api_key_env=llm.api_key_env,
            timeout_s=llm.timeout_s,
            max_retries=llm.max_retries,
            deadline_s=llm.deadline_s,
        )
    path = resolve_model(llm.model, llm.cache_dir)
    # Room for the prompt, the reply and the chat template's own tokens.
    n_ctx = llm.context_tokens + llm.max_answer_tokens + 256
    return LocalGGUF(path, n_ctx=n_ctx, n_threads=llm.threads)


def make_generative_answerer(settings: Settings) -> GenerativeAnswerer:
    """The factory ``answer.registry`` calls for ``Settings.answerer`` in ("local-llm", "openai")."""
    from .extractive import ExtractiveAnswerer

    llm = settings.llm
    config = GenerationConfig(
        context_tokens=llm.context_tokens,
        max_answer_tokens=llm.max_answer_tokens,
        min_verified=llm.min_verified,
        condense_followups=llm.condense_followups,
    )
    return GenerativeAnswerer(
        chat_model(settings.answerer, llm),
        load_embedder(settings),
        ExtractiveAnswerer(settings.answering),
        prompts=PromptLibrary(user_dir=llm.prompts_dir),
        config=config,
        name=settings.answerer,
    )
