"""A streaming parser for serial frames that start with a marker and say their own length.

LED boards (``A5 … LEN … 5A``) and ID-card readers (``AA AA AA 96 69 LEN_H LEN_L …``) frame their
bytes this way. The parser skips noise up to the next marker, waits for a whole frame, and drops
a candidate that fails its checks one byte at a time, so a good frame behind a false start is
still found. It never keeps more than one maximal frame, and it never keeps the bytes it drops
(an ID-card answer with a bad checksum still holds a person's data).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

FrameT = TypeVar("FrameT")


class MarkedFrameParser(Generic[FrameT]):
    """Feed it chunks as they arrive; get the frames that passed ``decode``.

    ``header_length`` bytes (marker included) tell ``frame_length`` the whole frame's length, or
    None when the header is implausible; ``decode`` turns a whole frame into a value, or None
    when its checksum or end byte is wrong. ``dropped`` counts the bytes thrown away.
    """

    def __init__(
        self,
        marker: bytes,
        header_length: int,
        frame_length: Callable[[bytes], int | None],
        decode: Callable[[bytes], FrameT | None],
    ) -> None:
        if not marker or header_length < len(marker):
            raise ValueError("the header must hold the marker")
        self._marker = marker
        self._header_length = header_length
        self._frame_length = frame_length
        self._decode = decode
        self._buffer = bytearray()
        self.dropped = 0

    @property
    def pending(self) -> int:
        """Bytes held back as the start of an incomplete frame."""
        return len(self._buffer)

    def feed(self, chunk: bytes) -> list[FrameT]:
        """Add received bytes; return the frames now complete."""
        self._buffer += chunk
        frames: list[FrameT] = []
        buf = self._buffer
        while buf:
            start = buf.find(self._marker)
            if start < 0:
                keep = self._partial_marker_length()
                self.dropped += len(buf) - keep
                del buf[: len(buf) - keep]
                break
            if start:
                self.dropped += start
                del buf[:start]
            if len(buf) < self._header_length:
                break
            total = self._frame_length(bytes(buf[: self._header_length]))
            if total is None:
                self._drop_one()
                continue
            if len(buf) < total:
                break
            frame = self._decode(bytes(buf[:total]))
            if frame is None:
                self._drop_one()
                continue
            frames.append(frame)
            del buf[:total]
        return frames

    def flush(self) -> list[FrameT]:
        """The line went quiet: give up on the half frame and rescan what came after its first byte."""
        frames: list[FrameT] = []
        while self._buffer:
            self._drop_one()
            frames += self.feed(b"")
        return frames

    def reset(self) -> None:
        """Forget everything buffered (the port was reopened)."""
        self.dropped += len(self._buffer)
        self._buffer.clear()

    def _drop_one(self) -> None:
        self.dropped += 1
        del self._buffer[:1]

    def _partial_marker_length(self) -> int:
        """How many trailing bytes may be the first bytes of a marker still arriving."""
        buf, marker = self._buffer, self._marker
        for size in range(min(len(marker) - 1, len(buf)), 0, -1):
            if buf.endswith(marker[:size]):
                return size
        return 0
