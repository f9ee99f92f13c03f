"""The decompressing readers end only where the compressed stream really ends: every strict prefix of a
gzip or zstd stream is an error (at its end, never a quiet short read), the whole stream is not, and bytes
after the last member or frame are an error too."""

from __future__ import annotations

import gzip
import io
import os
import struct

import pytest
import zstandard

from dockwise.image.streams import CodecError, decompressing, is_codec_error, sha256_of

# raw, RLE and compressed blocks, in more than one frame and more than one gzip member
CONTENT = os.urandom(3000) + bytes(300_000) + b"text " * 20_000 + os.urandom(500)


def _read(data: bytes, compression: str, size: int = 4096) -> bytes:
    stream = decompressing(io.BytesIO(data), compression)
    parts = []
    while chunk := stream.read(size):
        parts.append(chunk)
    return b"".join(parts)


def _fails(data: bytes, compression: str) -> bool:
    try:
        _read(data, compression)
    except (CodecError, EOFError) as error:
        return bool(str(error))
    except Exception as error:
        if is_codec_error(error):
            return True
        raise
    return False


def _zstd_frames() -> bytes:
    frames = [
        zstandard.ZstdCompressor(write_checksum=True).compress(CONTENT[:150_000]),
        struct.pack("<II", 0x184D2A51, 5) + b"skip!",
        zstandard.ZstdCompressor(write_checksum=False, write_content_size=False).compress(CONTENT[150_000:]),
    ]
    return b"".join(frames)


@pytest.mark.parametrize(
    ("compression", "data"),
    [
        ("gzip", gzip.compress(CONTENT[:100_000], mtime=0) + gzip.compress(CONTENT[100_000:], mtime=0)),
        ("zstd", _zstd_frames()),
    ],
)
def test_every_prefix_is_refused_and_the_whole_stream_read(compression: str, data: bytes) -> None:
    assert _read(data, compression) == CONTENT
    assert _read(data, compression, size=1 << 20) == CONTENT
    boundaries = _boundaries(compression, data)
    for cut in range(1, len(data)):
        if cut in boundaries:
            continue  # a prefix made of whole members or frames is a valid, shorter stream
        assert _fails(data[:cut], compression), (
            f"a {compression} stream cut at byte {cut} of {len(data)} was read"
        )
    assert _fails(data + b"\0", compression)
    assert _fails(data + b"x" * 9, compression)


def _boundaries(compression: str, data: bytes) -> set[int]:
    if compression == "gzip":
        first = len(gzip.compress(CONTENT[:100_000], mtime=0))
        return {first}
    first = len(zstandard.ZstdCompressor(write_checksum=True).compress(CONTENT[:150_000]))
    return {first, first + 13}


def test_a_codec_error_names_what_is_wrong() -> None:
    data = gzip.compress(CONTENT, mtime=0)
    with pytest.raises(CodecError, match="data after the end of the gzip stream"):
        _read(data + bytes(8), "gzip")
    with pytest.raises(CodecError, match="the gzip stream is truncated"):
        _read(data[:-1], "gzip")
    with pytest.raises(CodecError, match="the zstd stream is truncated"):
        _read(_zstd_frames()[:-1], "zstd")


def test_a_zstd_bomb_is_read_in_bounded_pieces() -> None:
    """The reader hands out what is asked for, not a whole frame: 1 GiB of zeros in 32 kB of zstd."""
    compressor = zstandard.ZstdCompressor(level=19).compressobj()
    block = bytes(1 << 20)
    data = b"".join(compressor.compress(block) for _ in range(1024)) + compressor.flush()
    assert len(data) < 100_000
    stream = decompressing(io.BytesIO(data), "zstd")
    assert len(stream.read(1 << 20)) <= 1 << 20


def test_sha256_of_reads_to_the_end() -> None:
    assert sha256_of(io.BytesIO(b"abc")) == (
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
