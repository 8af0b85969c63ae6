"""What research routes read from a request beside their fields: an uploaded transcript."""

from fastapi import Request
from starlette.datastructures import UploadFile

from app.research.transcript_files import Transcript, read_transcript


def uploaded_transcript(request: Request, upload: UploadFile) -> Transcript:
    """The notes in an uploaded transcript file, within this server's file size limit."""
    limit: int = request.app.state.settings.max_transcript_bytes
    # One byte past the limit is enough to refuse it, without holding more in memory.
    data = upload.file.read(limit + 1)
    return read_transcript(upload.filename or "", data, max_bytes=limit)
