"""Images read from the engine behind DOCKER_HOST: `docker save` streamed through docker-py, never written
to disk; an image whose config and layers are all in the layer cache is not streamed at all.

The engine vouches for its images: the daemon computed every diff_id itself when it pulled, loaded or
built the layer, so the cache answers for the diff_ids `inspect` gives (`RootFS.Layers`) without a read,
in the fast path and inside the stream alike (image/cache.py describes the trust model). Layers that are
read are checked like any archive's."""

from __future__ import annotations

from dockwise.image.archive import (
    Image,
    ImageError,
    ReadOptions,
    assemble_from_cache,
    chunk_stream,
    read_image_stream,
)


def read_engine_image(reference: str, options: ReadOptions | None = None) -> Image:
    options = options or ReadOptions()
    try:
        import docker
        import docker.errors
    except ImportError:
        raise ImageError("reading from an engine needs docker-py (pip install docker)") from None
    try:
        client = docker.from_env()
        details = client.api.inspect_image(reference)  # a clear "no such image" before the stream starts
        cached = _from_cache(details, options)
        if cached is not None:
            return cached
        chunks = client.api.get_image(reference)
        total = int(details.get("Size") or 0) or None
        vouched = frozenset(str(diff_id) for diff_id in (details.get("RootFS") or {}).get("Layers") or [])
        image = read_image_stream(chunk_stream(chunks), reference, options, total, vouched)
        image.layout = "engine"
        return image
    except docker.errors.ImageNotFound:
        raise ImageError(f"{reference}: no such image in the engine") from None
    except docker.errors.DockerException as error:
        raise ImageError(f"{reference}: the engine does not answer: {error}") from None


def _from_cache(details: dict, options: ReadOptions) -> Image | None:  # type: ignore[type-arg]
    cache = options.cache
    if cache is None:
        return None
    raw_config = cache.config(str(details.get("Id", "")))
    diff_ids = (details.get("RootFS") or {}).get("Layers") or []
    if raw_config is None or not diff_ids:
        return None
    scans = []
    for diff_id in diff_ids:
        scan = cache.scan(str(diff_id))
        if scan is None:
            return None
        scans.append(scan)
    return assemble_from_cache(raw_config, scans, [str(tag) for tag in details.get("RepoTags") or []])
