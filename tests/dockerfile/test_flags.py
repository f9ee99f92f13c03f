"""`--mount` specs and flag values parsed with BuildKit's defaults and checks."""

from __future__ import annotations

import pytest

from dockwise.dockerfile.flags import parse_flags, parse_mount


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("type=cache,target=/root/.npm", {"type": "cache", "target": "/root/.npm", "readonly": False}),
        ("target=/src", {"type": "bind", "target": "/src", "readonly": True}),
        ("type=bind,source=go.sum,target=go.sum,rw", {"type": "bind", "source": "go.sum", "readonly": False}),
        ("type=secret,id=npmrc", {"type": "secret", "id": "npmrc", "target": "/run/secrets/npmrc"}),
        ("type=secret,target=/root/.netrc", {"id": ".netrc", "target": "/root/.netrc"}),
        ("type=secret,id=token,env=TOKEN,required", {"env": "TOKEN", "target": None, "required": True}),
        ("type=ssh", {"type": "ssh", "id": "default"}),
        ("type=cache,id=apt,target=/var/cache/apt,sharing=locked", {"id": "apt", "sharing": "locked"}),
        ("type=bind,from=build,src=/out,dst=/in", {"from_": "build", "source": "/out", "target": "/in"}),
        ("type=cache,target=/x,mode=0755,uid=1000,gid=1000", {"mode": "0755", "uid": "1000", "gid": "1000"}),
        ("type=tmpfs,target=/tmp,size=64m", {"type": "tmpfs", "size": "64m"}),
        ('type=bind,"target=/a,b"', {"target": "/a,b"}),
        ("TYPE=CACHE,Target=/x", {"type": "cache", "target": "/x"}),
    ],
)
def test_mount_specs(spec: str, expected: dict[str, object]) -> None:
    mount, problems = parse_mount(spec)
    assert problems == []
    assert mount is not None
    for attribute, value in expected.items():
        assert getattr(mount, attribute) == value, attribute


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("type=volume,target=/x", "unsupported mount type 'volume'"),
        ("type=cache,target=/x,sharing=exclusive", "unsupported sharing value 'exclusive'"),
        ("type=cache,target=/x,colour=blue", "unexpected key 'colour' in 'colour=blue'"),
        ("type=cache,target=/x,bogus", "invalid field 'bogus' must be a key=value pair"),
    ],
)
def test_bad_mount_specs_are_problems(spec: str, problem: str) -> None:
    _, problems = parse_mount(spec)
    assert problem in problems


def test_flag_kinds_per_instruction() -> None:
    assert parse_flags(["--chmod=755"], "COPY").problems == ()
    assert [p.message for p in parse_flags(["--chmod=755"], "RUN").problems] == ["unknown flag: chmod"]
    assert [p.message for p in parse_flags(["--from"], "COPY").problems] == ["missing a value on flag: from"]
    assert [p.message for p in parse_flags(["--link="], "COPY").problems] == ["missing a value on flag: link"]
    flags = parse_flags(["--exclude=a", "--exclude=b", "--link=false"], "COPY")
    assert flags.problems == ()
    assert flags.exclude == ("a", "b")
    assert flags.link is False
    assert parse_flags(["--interval=5s", "--retries=3"], "HEALTHCHECK").get("retries") == "3"
