"""The distroless-like runtime bases scripts/engine-setup builds are what the compare tests need them to
be: no shell, a nonroot user, and an interpreter that has every shared library and stdlib part a service
uses (ldd found them all), also as that user on a read-only root filesystem."""

from __future__ import annotations

import pytest

from dockwise.engine.session import EngineSession, leftovers
from tests.engine.conftest import Engine, require_image

pytestmark = pytest.mark.engine

STATIC = "dockwise-test/static:bookworm"
PYTHON = "dockwise-test/python3:bookworm"
NODEJS = "dockwise-test/nodejs:bookworm"

PYTHON_CHECK = """
import ctypes, hashlib, json, pwd, os, sqlite3, ssl, zoneinfo, http.server, urllib.request, venv
print(pwd.getpwuid(os.getuid()).pw_name, ssl.OPENSSL_VERSION.split()[0], zoneinfo.ZoneInfo("Europe/Paris"))
"""
NODE_CHECK = """
const crypto = require("crypto"), http = require("http"), zlib = require("zlib"), os = require("os");
console.log(os.userInfo().username, crypto.createHash("sha256").update("").digest("hex").slice(0, 8),
  new Intl.DateTimeFormat("de", { timeZone: "Europe/Berlin", month: "long" }).format(0), typeof fetch);
"""


def _run(engine: Engine, image: str, command: list[str]) -> tuple[int, str]:
    with EngineSession(engine.client) as session:
        container = session.create(image, command=command, user="65532", read_only=True)
        container.start()
        status = container.wait(timeout=60)
        output = container.logs(stdout=True, stderr=True).decode("utf-8")
    assert leftovers(engine.client, session.run_id) == []
    return int(status["StatusCode"]), output


def test_the_static_base_has_no_shell_but_a_nonroot_user(engine: Engine) -> None:
    import docker.errors

    require_image(engine, STATIC)
    with EngineSession(engine.client) as session:
        container = session.create(STATIC, entrypoint=["/bin/sh", "-c", "true"])
        with pytest.raises(docker.errors.APIError, match="no such file or directory"):
            container.start()
    assert leftovers(engine.client, session.run_id) == []
    config = engine.client.api.inspect_image(STATIC)["Config"]
    assert not config.get("User")
    assert config.get("Entrypoint") is None


def test_the_python3_base_runs_the_stdlib_as_nonroot_read_only(engine: Engine) -> None:
    require_image(engine, PYTHON)
    status, output = _run(engine, PYTHON, ["-c", PYTHON_CHECK])
    assert status == 0, output
    assert output.split() == ["nonroot", "OpenSSL", "Europe/Paris"]
    status, output = _run(engine, PYTHON, ["-c", "import test.support"])
    assert status == 1
    assert "No module named 'test'" in output


def test_the_nodejs_base_runs_node_as_nonroot_read_only(engine: Engine) -> None:
    require_image(engine, NODEJS)
    status, output = _run(engine, NODEJS, ["-e", NODE_CHECK])
    assert status == 0, output
    assert output.split() == ["nonroot", "e3b0c442", "Januar", "function"]
