"""``/v1/documents`` (list, upload, show, remove) and ``POST /v1/ingest`` (a folder on the server).

Uploads go through the same checks and limits as the UI's (``Assistant.store_uploads``: safe names,
allowed types, sizes, count) into the same upload folder, and are indexed as the UI indexes them.
A server-side path is indexed only inside a folder the operator allowed (``--allow-ingest``).

A PDF's or image's page is drawn as PNG (``.../pages/{page}.png``; ``.../page.png`` for a one-page
document, whose citations name no page) with a citation's ``quote`` marked; where it was marked comes
in ``X-Quote-*`` headers, or as JSON without the image for ``Accept: application/json``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ...assistant import Assistant
from ...errors import DocumentNotFoundError
from ...types import DocumentInfo, IngestReport, PageImage
from ..access import Access
from ..problems import ApiProblem, FieldError, ProblemRoute, documented
from ..schemas import (
    ChunkOut,
    DocumentDetail,
    DocumentOut,
    IngestOut,
    IngestRequest,
    PageImageOut,
    PageOut,
    RemovedOut,
    RenamedOut,
    SkippedOut,
    UploadOut,
)

# Written out, as the route reads its form itself (see ``upload``).
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {
                            "type": "array",
                            "minItems": 1,
                            "items": {"type": "string", "contentMediaType": "application/octet-stream"},
                            "description": "One or more .txt, .md, .html, .pdf, .docx, .png, .jpg or .tif files.",
                        }
                    },
                    "required": ["files"],
                }
            }
        },
    }
}

DocId = Annotated[
    str, PathParam(pattern="^[0-9a-f]{8,64}$", description="A document id, or its first 8 or more characters.")
]

PageNumber = Annotated[int, PathParam(ge=1, description="The page, 1-based, as a citation's `page` names it.")]
# The facade draws a page at most 2000 pixels wide (and smaller for a poster-sized page).
Width = Annotated[int, Query(ge=200, le=2000, description="About how wide to draw the page, in pixels.")]
Quote = Annotated[
    str | None,
    Query(max_length=4000, description="Text to mark on the page, as a citation's `quote` has it."),
]
DEFAULT_PAGE_WIDTH = 900


def _header(description: str, **schema: object) -> dict[str, object]:
    return {"description": description, "required": True, "schema": {"type": "string", **schema}}


PAGE_HEADERS = {
    "X-Page": _header("The page drawn, 1-based.", pattern="^[0-9]+$"),
    "X-Quote-Found": _header("Whether the quote was found and marked.", enum=["true", "false"]),
    "X-Quote-Boxes": _header(
        "The quote's rectangles as JSON, [[left, top, right, bottom], ...] in the image's pixels; [] when not found."
    ),
    "X-Page-OCR": _header("Whether the page was read by OCR (a scan).", enum=["true", "false"]),
    "X-Page-Stale": _header(
        "Whether the file changed since it was indexed (drawn as it is now, nothing marked).", enum=["true", "false"]
    ),
}
PAGE_IMAGE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The page as PNG (as JSON without the image, for `Accept: application/json`).",
        "headers": PAGE_HEADERS,
        # FastAPI adds the model's schema, as application/json, to the components.
        "model": PageImageOut,
        "content": {"image/png": {"schema": {"type": "string", "contentMediaType": "image/png"}}},
    }
}


def wants_json(accept: str) -> bool:
    """JSON when ``Accept`` names ``application/json`` and not ``image/png`` (a browser's ``<img>``
    and ``*/*`` get the image)."""
    kinds = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    return "application/json" in kinds and "image/png" not in kinds


def page_response(image: PageImage, doc_id: str, request: Request) -> Response:
    flag = {True: "true", False: "false"}
    headers = {
        "X-Page": str(image.page),
        "X-Quote-Found": flag[image.found],
        "X-Quote-Boxes": json.dumps([list(b) for b in image.boxes], separators=(",", ":")),
        "X-Page-OCR": flag[image.ocr],
        "X-Page-Stale": flag[image.stale],
        "Vary": "Accept",
    }
    if wants_json(request.headers.get("accept", "")):
        out = PageImageOut(
            doc_id=doc_id,
            page=image.page,
            width=image.width,
            height=image.height,
            boxes=[list(b) for b in image.boxes],
            found=image.found,
            ocr=image.ocr,
            stale=image.stale,
        )
        return Response(out.model_dump_json(), media_type="application/json", headers=headers)
    return Response(image.png, media_type="image/png", headers=headers)


def ingest_out(report: IngestReport) -> IngestOut:
    return IngestOut(
        files_seen=report.files_seen,
        files_read=report.files_read,
        files_unchanged=report.files_unchanged,
        # The name only: where the server keeps its files is not the caller's business.
        skipped=[SkippedOut(name=Path(s.path).name, reason=s.reason) for s in report.skipped],
        documents_added=report.documents_added,
        documents_removed=report.documents_removed,
        sources_added=report.sources_added,
        sources_removed=report.sources_removed,
        chunks_added=report.chunks_added,
        chunks_removed=report.chunks_removed,
        seconds=report.seconds,
        notices=report.notices,
    )


def document_out(doc: DocumentInfo) -> DocumentOut:
    return DocumentOut(**vars(doc))


class Documents:
    """The routes' work, on the shared assistant; blocking calls run in the thread pool."""

    def __init__(self, assistant: Assistant, allow_ingest: Sequence[Path], background: bool) -> None:
        self.assistant = assistant
        self.allow_ingest = [p.resolve() for p in allow_ingest]
        self.background = background

    def find(self, doc_id: str) -> DocumentInfo:
        matches = [d for d in self.assistant.documents() if d.doc_id.startswith(doc_id)]
        if not matches:
            raise DocumentNotFoundError(f"No indexed document has the id {doc_id!r}.")
        if len(matches) > 1:
            raise ApiProblem(
                400, f"{len(matches)} documents have ids starting {doc_id!r}; give more of it.", "ambiguous-id"
            )
        return matches[0]

    def detail(self, doc_id: str) -> DocumentDetail:
        info = self.find(doc_id)
        document = self.assistant.document(info.doc_id)
        if document is None:  # removed since it was listed
            raise DocumentNotFoundError(f"No indexed document has the id {doc_id!r}.")
        return DocumentDetail(
            **vars(info),
            text=document.text,
            page_spans=[PageOut(page=p.page, start=p.start, end=p.end) for p in document.pages],
            chunk_spans=[ChunkOut(**vars(c)) for c in self.assistant.chunks(info.doc_id)],
        )

    def page_image(self, doc_id: str, page: int | None, quote: str | None, width: int) -> tuple[PageImage, str]:
        """The page drawn, and the document's whole id."""
        info = self.find(doc_id)
        return self.assistant.page_image(info.doc_id, page, quote or None, width_px=width), info.doc_id

    def upload(self, files: list[UploadFile]) -> UploadOut:
        with tempfile.TemporaryDirectory(prefix="assistant-upload-") as spool:
            paths = []
            for i, upload in enumerate(files):
                path = Path(spool) / str(i)
                with path.open("wb") as out:
                    shutil.copyfileobj(upload.file, out)
                paths.append(path)
            stored = self.assistant.store_uploads(paths, names=[f.filename or "upload" for f in files])
        rejected = [SkippedOut(name=r.name, reason=r.reason) for r in stored.rejected]
        report = self.assistant.ingest_uploads(stored, background=self.background) if stored.accepted else None
        indexed = ingest_out(report or IngestReport())
        if not (indexed.files_read or indexed.files_unchanged):
            problems = [*rejected, *indexed.skipped]
            raise ApiProblem(
                400,
                "No file could be added: " + "; ".join(f"{p.name}: {p.reason}" for p in problems),
                "bad-file",
                errors=[FieldError(field=f"files.{p.name}", message=p.reason) for p in problems],
            )
        renamed = [RenamedOut(name=r.name, stored_as=r.stored_as) for r in stored.renamed]
        return UploadOut(indexed=indexed, rejected=rejected, renamed=renamed)

    def allowed(self, given: str) -> Path:
        """``given`` resolved (symlinks followed) when it lies inside an allowed folder; else 403."""
        if not self.allow_ingest:
            raise ApiProblem(
                403, "Ingesting server paths is off; the operator allows folders with --allow-ingest.", "forbidden"
            )
        try:
            path = Path(given).resolve()
        except (OSError, ValueError) as exc:
            raise ApiProblem(400, f"Not a usable path: {exc}", "bad-path") from None
        if not any(path.is_relative_to(root) for root in self.allow_ingest):
            raise ApiProblem(403, f"{given!r} is not inside a folder the server allows ingesting.", "forbidden")
        if not path.exists():
            raise ApiProblem(404, f"{given!r} does not exist on the server.", "not-found")
        return path

    def ingest(self, given: str) -> IngestOut:
        path = self.allowed(given)
        return ingest_out(self.assistant.ingest([path], background=self.background))

    def remove(self, doc_id: str) -> RemovedOut:
        report = self.assistant.remove(doc_id, delete_from=self.assistant.upload_dir)
        return RemovedOut(documents_removed=report.documents_removed, chunks_removed=report.chunks_removed)


def router(assistant: Assistant, access: Access, allow_ingest: Sequence[Path], background: bool) -> APIRouter:
    docs = Documents(assistant, allow_ingest, background)
    api = APIRouter(tags=["documents"], dependencies=[Depends(access)], route_class=ProblemRoute)

    @api.get("/v1/documents", response_model=list[DocumentOut], responses=documented(401, 429, 503))
    async def list_documents() -> list[DocumentOut]:
        """The indexed documents, with their files (``sources``), pages, chunks and first sections."""
        return [document_out(d) for d in await run_in_threadpool(assistant.documents)]

    @api.post(
        "/v1/documents",
        response_model=UploadOut,
        responses=documented(400, 401, 409, 413, 422, 429, 503),
        openapi_extra=UPLOAD_BODY,
    )
    async def upload(request: Request) -> UploadOut:
        """Add files to the index, with the UI's limits; a refused or unreadable file is reported with
        the reason while the rest go in (400 when none does)."""
        # The form is read here, once the key is checked: FastAPI reads a declared body before it runs
        # the dependencies, and an upload may be large.
        async with request.form() as form:
            files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
            if not files:
                missing = FieldError(field="body.files", message="At least one file is required.")
                raise ApiProblem(422, "body.files: at least one file is required.", "invalid-request", errors=[missing])
            return await run_in_threadpool(docs.upload, files)

    @api.get(
        "/v1/documents/{doc_id}", response_model=DocumentDetail, responses=documented(400, 401, 404, 422, 429, 503)
    )
    async def show_document(doc_id: DocId) -> DocumentDetail:
        """One document as read: its text (which citation offsets point into), where its pages lie, and
        its chunks as indexed."""
        return await run_in_threadpool(docs.detail, doc_id)

    @api.delete(
        "/v1/documents/{doc_id}", response_model=RemovedOut, responses=documented(400, 401, 404, 409, 422, 429, 503)
    )
    async def remove_document(doc_id: DocId) -> RemovedOut:
        """Remove a document (and its uploaded file, so a re-index keeps it gone)."""
        return await run_in_threadpool(docs.remove, doc_id)

    async def page_image(request: Request, doc_id: str, page: int | None, quote: str | None, width: int) -> Response:
        image, full_id = await run_in_threadpool(docs.page_image, doc_id, page, quote, width)
        return page_response(image, full_id, request)

    page_responses = {**documented(400, 401, 404, 422, 429, 503), **PAGE_IMAGE_RESPONSE}

    @api.get("/v1/documents/{doc_id}/pages/{page}.png", response_class=Response, responses=page_responses)
    async def show_page(
        request: Request, doc_id: DocId, page: PageNumber, quote: Quote = None, width: Width = DEFAULT_PAGE_WIDTH
    ) -> Response:
        """Page ``page`` of a PDF or image document drawn as PNG, ``quote`` marked on it in yellow.
        ``X-Quote-Found`` and ``X-Quote-Boxes`` say whether and where; ``Accept: application/json`` gets
        that as JSON without the image. A text document, or a page it has not, is refused (400)."""
        return await page_image(request, doc_id, page, quote, width)

    @api.get("/v1/documents/{doc_id}/page.png", response_class=Response, responses=page_responses)
    async def show_only_page(
        request: Request, doc_id: DocId, quote: Quote = None, width: Width = DEFAULT_PAGE_WIDTH
    ) -> Response:
        """The page of a one-page document (an image, say, whose citations name no page), as
        ``/pages/{page}.png`` draws it; a document of several pages is refused (400)."""
        return await page_image(request, doc_id, None, quote, width)

    @api.post("/v1/ingest", response_model=IngestOut, responses=documented(400, 401, 403, 404, 409, 413, 422, 429, 503))
    async def ingest(body: IngestRequest) -> IngestOut:
        """Index a file or folder on the server, inside a folder allowed with ``--allow-ingest``."""
        return await run_in_threadpool(docs.ingest, body.path)

    return api
