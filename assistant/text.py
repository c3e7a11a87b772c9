"""Text tools every layer shares: the terms of a text (BM25 and the answerers' term overlap), its
sentences (Punkt), and whitespace trimming of spans.

They live below ingest, store and answer so that the terms a question is scored on are the terms the
index stored, and the sentences an answer is cut into are the ones ingest found, without any of those
layers importing another for them.

    >>> tokenize(["The cats sat", "What did she claim?"])
    [['cat', 'sat'], ['claim']]
    >>> list(punkt().span_tokenize("Dr. Smith came. He left."))
    [(0, 15), (16, 24)]
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


# bm25s's English list is Lucene's 33 words; it keeps pronouns, auxiliaries, most prepositions and
# question words, which then dominate short questions' term overlap and add noise to BM25.
_MORE_STOPWORDS = (
    "what who whom whose which when where why how many much did does do doing done has have having had "
    "can could would should shall may might must been being am were i me my mine myself you your yours "
    "yourself we us our ours ourselves he him his himself she her hers herself its itself them theirs "
    "themselves those from about above after again against all any before below between both during each "
    "few further here more most other out over own same so some than too under until up very down off "
    "once only nor just also tell"
).split()


@lru_cache(maxsize=1)
def _stopwords() -> list[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return sorted(set(STOPWORDS_EN) | set(_MORE_STOPWORDS))


@lru_cache(maxsize=1)
def tokenizer_identity() -> dict:
    """What ``tokenize``'s terms depend on. Stored terms (the BM25 index) record it and are redone when
    it changes, so it must change whenever the terms would."""
    digest = hashlib.sha256(" ".join(_stopwords()).encode()).hexdigest()[:16]
    return {"library": "bm25s", "stemmer": "english", "stopwords": digest}


def tokenize(texts: list[str]) -> list[list[str]]:
    """Stemmed, lower-cased, stop-word-free terms of each text."""
    import bm25s

    return bm25s.tokenize(texts, stopwords=_stopwords(), stemmer=_stemmer(), return_ids=False, show_progress=False)


@lru_cache(maxsize=1)
def punkt():
    """The trained English Punkt sentence splitter that ships with llama-index-core (no download)."""
    import llama_index.core
    import nltk
    from nltk.tokenize.punkt import PunktTokenizer

    cache = Path(llama_index.core.__file__).parent / "_static" / "nltk_cache"
    if str(cache) not in nltk.data.path:
        nltk.data.path.append(str(cache))
    return PunktTokenizer("english")


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` moved inwards past whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
