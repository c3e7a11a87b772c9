"""Ingest throughput: this code beside the code of an earlier commit and llama-index's default pipeline
with the same embedding model, on the same files in the same run; and how close this code's ingest
comes to the model's own time for the texts the index needs.

Each system ingests the corpus in a fresh process with the model already loaded, so the times are
the ingest alone. The earlier commit runs from a git worktree of it (created under the cache folder).
Systems run in turns (``--rounds`` turns each) so that a change in machine load falls on all of them.

    python -m benchmarks.bench_ingest [--corpus scifact] [--limit 0] [--baseline e3de5db] [--rounds 1]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from .common import CACHE, ROOT
from .corpora import load_scifact
from .run_all import RESULTS, machine

_ASSISTANT = """
import json, sys, time
from pathlib import Path
from assistant import Assistant, Settings

assistant = Assistant(Settings(index_dir=Path(sys.argv[1])))
assistant.embedder.encode(["warm up"])
started = time.perf_counter()
report = assistant.ingest([Path(sys.argv[2])])
seconds = time.perf_counter() - started
result = {"seconds": seconds, "documents": report.documents_added, "chunks": report.chunks_added,
          "embeddings": report.embeddings_computed}
if len(sys.argv) > 3:
    # The model alone on the texts this index holds model vectors of (each chunk with its heading path,
    # and each document's distinct sentences), in the same process, batched as the ingest batches them.
    view = assistant.view()
    ids, chunk_texts = view.text.all_chunk_texts()
    spans = set()
    for i in range(0, len(ids), 500):
        for records in view.text.chunk_sentences(ids[i : i + 500]).values():
            spans.update((s.doc_id, s.start, s.end) for s in records)
    documents = {d: view.text.document(d).text for d in {doc for doc, _, _ in spans}}
    texts = chunk_texts + [documents[d][a:b] for d, a, b in sorted(spans)]
    started = time.perf_counter()
    assistant.embedder.encode(texts, batch_size=assistant.settings.embedding_batch_size)
    result["model_seconds"] = time.perf_counter() - started
    result["model_texts"] = len(texts)
print(json.dumps(result))
"""

_LLAMA = """
import json, sys, time
from pathlib import Path
from llama_index.core import Document, VectorStoreIndex
from benchmarks.llamaindex_baseline import LocalMiniLM

embed = LocalMiniLM()
embed.get_text_embedding("warm up")
files = sorted(Path(sys.argv[1]).glob("*.txt"))
documents = [Document(text=p.read_text(encoding="utf-8"), doc_id=p.stem) for p in files]
started = time.perf_counter()
index = VectorStoreIndex.from_documents(documents, embed_model=embed)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "documents": len(documents), "chunks": len(index.docstore.docs),
                  "embeddings": len(index.docstore.docs)}))
"""


def _worktree(commit: str) -> Path:
    """A checkout of ``commit`` to run the earlier code from (kept in the cache for later runs)."""
    target = CACHE / f"code-{commit}"
    if not (target / "assistant").is_dir():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(target), commit], check=True)
    return target


def _run(code: str, args: list[str], pythonpath: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(pythonpath), "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=pythonpath, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"ingest run failed: {out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(corpus: str, limit: int, baseline: str, rounds: int) -> dict:
    data = load_scifact()
    entries = sorted(data.corpus.items())[: limit or None]
    earlier = _worktree(baseline)
    results: dict[str, list[dict]] = {"this code": [], f"code at {baseline}": [], "llama-index default": []}
    with tempfile.TemporaryDirectory(prefix="assistant-ingest-") as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        for key, text in entries:
            (docs / f"{key}.txt").write_text(text, encoding="utf-8")
        for turn in range(rounds):
            for name in results:
                index = Path(tmp) / f"index-{turn}-{len(results[name])}-{name.split()[0]}"
                print(f"  [{corpus}] {name}, turn {turn + 1}/{rounds}", flush=True)
                if name == "this code":
                    row = _run(_ASSISTANT, [str(index), str(docs), "model"], ROOT)
                elif name.startswith("code at"):
                    row = _run(_ASSISTANT, [str(index), str(docs)], earlier)
                else:
                    row = _run(_LLAMA, [str(docs)], ROOT)
                results[name].append(row)
                shutil.rmtree(index, ignore_errors=True)
    return {"corpus": corpus, "documents": len(entries), "baseline": baseline, "rounds": results}


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def to_markdown(result: dict) -> str:
    rows = result["rounds"]
    ours = _median([r["seconds"] for r in rows["this code"]])
    lines = [
        f"# Ingest throughput {result['date']}",
        "",
        f"{result['machine']}; {result['documents']:,} {result['corpus']} documents; median of "
        f"{len(rows['this code'])} turn(s) each, systems in turns; each ingest in a fresh process with the "
        "model loaded (`python -m benchmarks.bench_ingest`).",
        "",
        "| system | seconds | documents/s | texts embedded | time vs this code |",
        "|---|---|---|---|---|",
    ]
    for name, runs in rows.items():
        seconds = _median([r["seconds"] for r in runs])
        embeddings = runs[0]["embeddings"]
        lines.append(
            f"| {name} | {seconds:.1f} | {result['documents'] / seconds:.1f} | {embeddings:,} | {seconds / ours:.2f}x |"
        )
    model = _median([r["model_seconds"] for r in rows["this code"]])
    texts = rows["this code"][0]["model_texts"]
    lines += [
        "",
        f"The model alone on the {texts:,} texts this index holds vectors of: {model:.1f} s; this code's ingest "
        f"takes {ours / model:.2f}x that (reading, chunking, BM25 and writing included).",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=["scifact"], default="scifact")
    parser.add_argument("--limit", type=int, default=0, help="first N documents only (0: all)")
    parser.add_argument("--baseline", default="e3de5db", help="the earlier commit to compare with")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    today = date.today().isoformat()
    result = {"date": today, "machine": machine(), **run(args.corpus, args.limit, args.baseline, args.rounds)}
    stem = RESULTS / f"ingest-{today}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2))
    stem.with_suffix(".md").write_text(to_markdown(result))
    print(to_markdown(result), flush=True)


if __name__ == "__main__":
    main()
