"""The non-root fix of DW301: create a user with a fixed numeric UID/GID and switch to it.

Unsafe, because files the build wrote as root may not be writable by the new user. The user is created
with the base image's own tool, so the fix is offered only where that tool is known:

- Debian and Ubuntu bases (and the official language images built on them): `groupadd`/`useradd`;
- Alpine bases: BusyBox `addgroup`/`adduser`;
- distroless bases: no tool and no need, they ship the `nonroot` user with UID 65532.

The lines go after the last instruction that writes the filesystem (RUN, COPY, ADD, WORKDIR, VOLUME), so
the build itself still runs as root.
"""

from __future__ import annotations

from dockwise.diagnostics import Applicability, Edit, Fix
from dockwise.dockerfile.build import Stage
from dockwise.rules._base import DockerfileContext

UID = 10001
DISTROLESS_NONROOT = 65532
_DEBIAN_TAG_WORDS = ("bookworm", "bullseye", "buster", "trixie", "jammy", "noble", "focal", "slim")
#: Official images whose default variants are Debian or Ubuntu based.
_DEBIAN_FAMILY = frozenset(
    {"debian", "ubuntu", "python", "node", "golang", "ruby", "php", "perl", "rust", "openjdk",
     "eclipse-temurin", "maven", "gradle", "buildpack-deps", "amazoncorretto-debian"}
)  # fmt: skip
_WRITES = frozenset({"RUN", "COPY", "ADD", "WORKDIR", "VOLUME"})


def add_non_root_user(context: DockerfileContext, stage: Stage) -> Fix | None:
    family = _family(context, stage)
    if family is None:
        return None
    if family == "distroless":
        user = f"{DISTROLESS_NONROOT}:{DISTROLESS_NONROOT}"
        lines = f"USER {user}\n"
    elif family == "alpine":
        user = f"{UID}:{UID}"
        lines = f"RUN addgroup -S -g {UID} app && adduser -S -D -H -u {UID} -G app app\nUSER {user}\n"
    else:
        user = f"{UID}:{UID}"
        lines = (
            f"RUN groupadd --system --gid {UID} app {context.dockerfile.escape}\n"
            f"    && useradd --system --uid {UID} --gid {UID} --no-create-home --no-log-init app\n"
            f"USER {user}\n"
        )
    writers = [i for i in stage.instructions if i.keyword in _WRITES]
    anchor = writers[-1] if writers else stage.from_instruction
    at = anchor.source_range.end
    text = context.dockerfile.text
    if not text[:at].endswith("\n"):
        lines = "\n" + lines.rstrip("\n")
    return Fix(f"Run as user {user}", (Edit.insert(at, lines),), Applicability.UNSAFE)


def _family(context: DockerfileContext, stage: Stage) -> str | None:
    """ "debian", "alpine" or "distroless" for the final stage's base, None when unknown."""
    base = stage.lineage()[-1].base
    if base is None:
        return None
    repository = base.repository.lower()
    tag = (base.tag or "").lower()
    name = repository.rsplit("/", 1)[-1]
    if "distroless" in repository:
        return "distroless"
    if "alpine" in name or "alpine" in tag:
        return "alpine"
    if name in _DEBIAN_FAMILY or any(word in tag for word in _DEBIAN_TAG_WORDS):
        return "debian"
    programs = {
        command.name
        for each in stage.lineage()
        for instruction in each.instructions
        for command in context.run_commands(instruction)
    }
    if "apk" in programs:
        return "alpine"
    if programs & {"apt-get", "apt", "dpkg"}:
        return "debian"
    return None
