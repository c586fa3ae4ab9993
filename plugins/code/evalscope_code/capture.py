"""Reading a program's output without letting it fill the host's memory: the start and the end are kept."""

from __future__ import annotations

import asyncio

CHUNK = 65536


class CappedOutput:
    """What a stream carried, at most ``limit`` bytes of it: the first half and the last half, the rest counted."""

    def __init__(self, limit: int) -> None:
        self.head_limit = limit // 2
        self.tail_limit = limit - self.head_limit
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, data: bytes) -> None:
        """Keep ``data`` where it fits: in the head while it has room, else in the rolling tail."""
        self.total += len(data)
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            if len(self.tail) > self.tail_limit:
                del self.tail[: len(self.tail) - self.tail_limit]

    def text(self) -> str:
        """The kept bytes as text (undecodable bytes replaced), with a note where bytes were cut out."""
        cut = self.total - len(self.head) - len(self.tail)
        middle = f"\n[... {cut} bytes cut ...]\n".encode() if cut else b""
        return bytes(self.head + middle + self.tail).decode("utf-8", errors="replace")

    async def drain(self, stream: asyncio.StreamReader) -> None:
        """Read ``stream`` to its end, keeping what fits."""
        while True:
            data = await stream.read(CHUNK)
            if not data:
                return
            self.add(data)


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters: its start and end, with a note of how much was cut between."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters cut ...]\n{text[-half:]}"
