"""A large, realistic, reproducible corpus of chunk vectors for measuring indexes at scale.

Embedding a million real chunks on two CPU cores would take days, so the corpus is assembled from
real sentences embedded once: the sentences of the SQuAD v1.1 dev paragraphs and of a seeded sample of
SciFact abstracts (split by the Punkt model the ingest uses), cached under a directory of your choice.
A synthetic chunk is the L2-normalised mean of 3-8 sentence vectors: a random anchor sentence and
others drawn from the anchor's nearest sentences. Drawing them uniformly from the whole pool would make
every chunk a blend of unrelated topics, and such means crowd around the pool's centroid, a geometry no
real index has; drawn near an anchor they stay on one topic, as the sentences of a real chunk do. The
2,067 real SQuAD paragraphs, embedded whole, are chunks of their own (ids ``0 .. real-1``), so every
SQuAD question has a known relevant chunk.

Chunk texts are kept as sentence ids (``offsets``/``members``, CSR style), never as strings: a
million chunks cost about 30 MB of ids next to the 1.5 GB of float32 vectors. Chunk ``i`` of a corpus
of N is chunk ``i`` of every larger corpus made with the same seed (each block of chunks draws from its
own seeded generator), so a smaller corpus is a prefix of a larger one.

    >>> pool = load_pool(Path("/tmp/assistant-scale"))      # embeds once (minutes), then loads (seconds)
    >>> corpus = make_corpus(1_000_000, pool)
    >>> corpus.vectors.shape, corpus.real
    ((1000000, 384), 2067)
    >>> query_vectors, gold_chunks = corpus.queries(500)
    >>> corpus.text(int(gold_chunks[0]))[:60]

    python -m benchmarks.scale_corpus --cache /tmp/assistant-scale --size 100000
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_CACHE = Path("/tmp/assistant-scale")
SCIFACT_ABSTRACTS = 3000
# Each synthetic chunk draws its sentences from its anchor's NEIGHBOURS nearest sentences: enough
# combinations that a million chunks are nearly all distinct, few enough that they share a topic.
NEIGHBOURS = 32
MIN_SENTENCES, MAX_SENTENCES = 3, 8
# Chunks are generated in blocks of this many, each block from its own seeded generator.
BLOCK = 16_384
# Sentences under this many words are fragments the ingest would merge into a neighbour.
MIN_WORDS = 3
CACHE_VERSION = 1
# benchmarks.common.SEED, repeated: common imports the whole assistant package, which measuring
# indexes on a cached pool has no need of. The data loaders are imported only to build a pool.
SEED = 13


@dataclass
class SentencePool:
    """Every sentence embedded once, with the SQuAD paragraphs embedded whole and their questions."""

    sentence_vectors: np.ndarray
    sentences: list[str]
    paragraphs: list[str]
    """The SQuAD contexts verbatim (a real chunk's text; its sentences drop fragments under MIN_WORDS)."""
    embedding: str
    """The model that embedded the pool."""
    neighbours: np.ndarray
    """(sentences, NEIGHBOURS) int32: each sentence's nearest other sentences, nearest first."""
    paragraph_vectors: np.ndarray
    paragraph_offsets: np.ndarray
    """(paragraphs + 1,) int64 into ``paragraph_sentences``."""
    paragraph_sentences: np.ndarray
    question_vectors: np.ndarray
    questions: list[str]
    question_paragraph: np.ndarray
    """(questions,) int32: the index of each question's gold paragraph."""

    @property
    def dimension(self) -> int:
        return int(self.sentence_vectors.shape[1])


@dataclass
class ScaleCorpus:
    """N chunk vectors; chunk ``i``'s text is its sentences ``members[offsets[i]:offsets[i + 1]]`` joined."""

    vectors: np.ndarray
    offsets: np.ndarray
    members: np.ndarray
    real: int
    """Chunks ``0 .. real-1`` are the SQuAD paragraphs, in the pool's order."""
    pool: SentencePool
    seed: int

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    def text(self, chunk: int) -> str:
        if chunk < self.real:
            return self.pool.paragraphs[chunk]
        ids = self.members[self.offsets[chunk] : self.offsets[chunk + 1]]
        return " ".join(self.pool.sentences[i] for i in ids)

    def queries(self, count: int, seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """A seeded sample of embedded SQuAD questions and the id of each one's gold chunk."""
        eligible = np.flatnonzero(self.pool.question_paragraph < self.real)
        rng = np.random.default_rng(self.seed if seed is None else seed)
        chosen = np.sort(rng.choice(eligible, size=min(count, eligible.size), replace=False))
        return self.pool.question_vectors[chosen], self.pool.question_paragraph[chosen].astype(np.int64)


def _split(text: str) -> list[str]:
    from assistant.text import punkt

    splitter = punkt()
    sentences = []
    # Punkt does not end a sentence at a blank line, so a title would swallow the first sentence.
    for block in text.split("\n\n"):
        sentences += [s.strip() for s in splitter.tokenize(block) if len(s.split()) >= MIN_WORDS]
    return sentences


def _encode(texts: list[str], label: str, batch_size: int = 64) -> np.ndarray:
    from assistant.embedding import load_embedder
    from assistant.settings import Settings

    from .common import ticker

    embedder = load_embedder(Settings())
    out = np.empty((len(texts), embedder.identity.dimension), dtype=np.float32)
    step = 2048
    tick = ticker(f"embed {label}", len(texts))
    for start in range(0, len(texts), step):
        out[start : start + step] = embedder.encode(texts[start : start + step], batch_size=batch_size)
        tick(min(start + step, len(texts)))
    return out


def _nearest(vectors: np.ndarray, k: int) -> np.ndarray:
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    _, ids = index.search(vectors, k + 1)
    # The first hit is the sentence itself (or an exact duplicate of it, which is as good).
    return ids[:, 1:].astype(np.int32)


def load_pool(
    cache_dir: Path = DEFAULT_CACHE, scifact_abstracts: int = SCIFACT_ABSTRACTS, seed: int = SEED
) -> SentencePool:
    """The embedded sentence pool, built on first use and cached per sample size and seed.

    The cache is not keyed by the embedding model: every vector of a pool comes from one model, so a
    pool is consistent whatever the settings say now, and loading it needs no model. The model that
    built it is recorded in ``embedding``; use another ``cache_dir`` to build a pool with another.
    """
    tag = f"v{CACHE_VERSION}-sf{scifact_abstracts}-s{seed}"
    arrays_file, texts_file = cache_dir / f"pool-{tag}.npz", cache_dir / f"pool-{tag}.json"
    if arrays_file.exists() and texts_file.exists():
        texts = json.loads(texts_file.read_text(encoding="utf-8"))
        with np.load(arrays_file) as arrays:
            return SentencePool(
                sentence_vectors=arrays["sentence_vectors"],
                sentences=texts["sentences"],
                paragraphs=texts["paragraphs"],
                embedding=texts["embedding"],
                neighbours=arrays["neighbours"],
                paragraph_vectors=arrays["paragraph_vectors"],
                paragraph_offsets=arrays["paragraph_offsets"],
                paragraph_sentences=arrays["paragraph_sentences"],
                question_vectors=arrays["question_vectors"],
                questions=texts["questions"],
                question_paragraph=arrays["question_paragraph"],
            )

    from assistant.embedding import load_embedder
    from assistant.settings import Settings

    from .corpora import load_scifact
    from .squad_data import load_squad

    identity = load_embedder(Settings()).identity
    squad = load_squad("dev-v1.1")
    sentences: list[str] = []
    offsets = [0]
    for _, _, context in squad.paragraphs:
        sentences += _split(context)
        offsets.append(len(sentences))
    paragraph_of = {(a, p): i for i, (a, p, _) in enumerate(squad.paragraphs)}
    abstracts = list(load_scifact().corpus.values())
    rng = np.random.default_rng(seed)
    for i in np.sort(rng.choice(len(abstracts), size=min(scifact_abstracts, len(abstracts)), replace=False)):
        sentences += _split(abstracts[i])

    started = time.perf_counter()
    sentence_vectors = _encode(sentences, "sentences")
    paragraph_vectors = _encode([context for _, _, context in squad.paragraphs], "paragraphs", batch_size=16)
    questions = [q.question for q in squad.questions]
    question_vectors = _encode(questions, "questions")
    print(f"  [scale corpus] embedded {len(sentences):,} sentences in {time.perf_counter() - started:.0f} s")
    pool = SentencePool(
        sentence_vectors=sentence_vectors,
        sentences=sentences,
        paragraphs=[context for _, _, context in squad.paragraphs],
        embedding=f"{identity.name} ({identity.backend}, weights sha256 {identity.weights_sha256[:12]})",
        neighbours=_nearest(sentence_vectors, NEIGHBOURS),
        paragraph_vectors=paragraph_vectors,
        paragraph_offsets=np.asarray(offsets, dtype=np.int64),
        paragraph_sentences=np.arange(offsets[-1], dtype=np.int32),
        question_vectors=question_vectors,
        questions=questions,
        question_paragraph=np.asarray([paragraph_of[q.article, q.paragraph] for q in squad.questions], np.int32),
    )
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Written to temporary names and renamed, so an interrupted run never leaves half a cache.
    partial = arrays_file.with_suffix(".partial.npz")
    np.savez(
        partial,
        **{
            name: getattr(pool, name)
            for name in (
                "sentence_vectors",
                "neighbours",
                "paragraph_vectors",
                "paragraph_offsets",
                "paragraph_sentences",
                "question_vectors",
                "question_paragraph",
            )
        },
    )
    partial.replace(arrays_file)
    texts_file.with_suffix(".partial").write_text(
        json.dumps(
            {"embedding": pool.embedding, "sentences": sentences, "paragraphs": pool.paragraphs, "questions": questions}
        )
    )
    texts_file.with_suffix(".partial").replace(texts_file)
    return pool


def synthetic_chunks(pool: SentencePool, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``count`` synthetic chunk vectors and, row by row, their sentence ids (padded with -1 to
    MAX_SENTENCES columns). Also the source of fresh vectors for measuring incremental adds."""
    sizes = rng.integers(MIN_SENTENCES, MAX_SENTENCES + 1, size=count)
    anchors = rng.integers(len(pool.sentences), size=count)
    # A random order of each anchor's neighbours, of which the first size-1 join the anchor.
    order = np.argsort(rng.random((count, NEIGHBOURS)), axis=1)[:, : MAX_SENTENCES - 1]
    members = np.empty((count, MAX_SENTENCES), dtype=np.int32)
    members[:, 0] = anchors
    members[:, 1:] = np.take_along_axis(pool.neighbours[anchors], order, axis=1)
    members[np.arange(MAX_SENTENCES)[None, :] >= sizes[:, None]] = -1
    vectors = np.zeros((count, pool.dimension), dtype=np.float32)
    for column in range(MAX_SENTENCES):
        used = members[:, column] >= 0
        vectors[used] += pool.sentence_vectors[members[used, column]]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors, members


def make_corpus(size: int, pool: SentencePool, seed: int = SEED) -> ScaleCorpus:
    """``size`` chunks: the real SQuAD paragraphs first, then synthetic chunks (deterministic per seed)."""
    real = min(size, len(pool.paragraph_vectors))
    vectors = np.empty((size, pool.dimension), dtype=np.float32)
    vectors[:real] = pool.paragraph_vectors[:real]
    sizes = np.empty(size, dtype=np.int64)
    sizes[:real] = np.diff(pool.paragraph_offsets[: real + 1])
    parts = [pool.paragraph_sentences[: pool.paragraph_offsets[real]]]
    for block, start in enumerate(range(real, size, BLOCK)):
        end = min(start + BLOCK, size)
        # A full block is drawn even when the corpus ends inside it, so that a smaller corpus is an
        # exact prefix of a larger one.
        block_vectors, members = synthetic_chunks(pool, BLOCK, np.random.default_rng([seed, block]))
        vectors[start:end] = block_vectors[: end - start]
        members = members[: end - start]
        sizes[start:end] = (members >= 0).sum(axis=1)
        parts.append(members[members >= 0])
    offsets = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return ScaleCorpus(vectors, offsets, np.concatenate(parts).astype(np.int32), real, pool, seed)


def describe(corpus: ScaleCorpus, sample: int = 2000) -> dict[str, float]:
    """Geometry of the real and the synthetic chunks side by side: how close each sampled chunk's
    nearest other chunk is, and how far chunks sit from the corpus centroid (uniform blends of
    unrelated sentences would all sit near it)."""
    import faiss

    rng = np.random.default_rng(corpus.seed)
    index = faiss.IndexFlatIP(corpus.pool.dimension)
    index.add(corpus.vectors)
    centroid = corpus.vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid)
    figures: dict[str, float] = {"chunks": float(len(corpus)), "sentences": float(len(corpus.pool.sentences))}
    groups = {"real": np.arange(corpus.real), "synthetic": np.arange(corpus.real, len(corpus))}
    for name, ids in groups.items():
        if not ids.size:
            continue
        picked = rng.choice(ids, size=min(sample, ids.size), replace=False)
        scores, _ = index.search(corpus.vectors[picked], 2)
        figures[f"{name} nearest-other cosine (median)"] = float(np.median(scores[:, 1]))
        figures[f"{name} cosine to centroid (median)"] = float(np.median(corpus.vectors[picked] @ centroid))
    query_vectors, gold = corpus.queries(500)
    _, hits = index.search(query_vectors, 10)
    figures["queries with gold chunk in exact top 10"] = float(np.mean([g in h for g, h in zip(gold, hits)]))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--scifact-abstracts", type=int, default=SCIFACT_ABSTRACTS)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    pool = load_pool(args.cache, args.scifact_abstracts, args.seed)
    corpus = make_corpus(args.size, pool, args.seed)
    for name, value in describe(corpus).items():
        print(f"{name}: {value:,.3f}")


if __name__ == "__main__":
    main()
