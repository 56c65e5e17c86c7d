"""The request size limit (``max_request_bytes`` of the service configuration).

A declared ``Content-Length`` over the limit is refused before anything is read; a body without
one (chunked transfer encoding) is counted while it is read, and refused as soon as it passes the
limit, so a client can never make the service hold more than the limit in memory.
"""

from __future__ import annotations

from starlette.requests import Request


class BodyTooLarge(Exception):
    """The request body is (or says it is) longer than the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the request body is larger than the limit of {limit} bytes")


class BadContentLength(Exception):
    """The ``Content-Length`` header is not a non-negative integer."""


def check_declared_length(request: Request, limit: int) -> None:
    """Refuse a request whose ``Content-Length`` says it is over ``limit``, without reading it,
    and one that sends both ``Content-Length`` and ``Transfer-Encoding`` (RFC 9112 section 6.3:
    a sign of request smuggling through a proxy that reads the other one; the answer closes the
    connection)."""
    declared = request.headers.get("content-length")
    if declared is None:
        return
    if "transfer-encoding" in request.headers:
        raise BadContentLength("a request must not send both Content-Length and Transfer-Encoding")
    if len(request.headers.getlist("content-length")) > 1:
        raise BadContentLength("a request must send one Content-Length")
    text = declared.strip()
    if not text.isdigit():
        raise BadContentLength("Content-Length is not a non-negative integer")
    if int(text) > limit:
        raise BodyTooLarge(limit)


async def read_limited_body(request: Request, limit: int) -> bytes:
    """The request body, read chunk by chunk and refused once it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)
