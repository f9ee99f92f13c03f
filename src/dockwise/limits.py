"""The bound on what dockwise reads from one file, in a module of its own so that the Dockerfile reader
(`lint`) and the Compose loader share it without importing each other."""

MAX_SOURCE_BYTES = 1 << 20
"""The largest Dockerfile, Compose file or script dockwise reads: 1 MiB, forty times the largest of the
4,264 public Dockerfiles in our corpus (25 KB). Linting is linear in the size, but its memory is about
100 bytes for each byte read; under this cap a run stays well under 200 MB whatever the file holds."""
