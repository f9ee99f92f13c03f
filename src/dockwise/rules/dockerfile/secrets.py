"""Rules of the `secrets-in-build` category: credentials that end up in the image or its history.

ARG and ENV values are stored in the image config and history, and COPY/ADD puts files into layers that
`docker save` hands to anyone with the image. BuildKit's secret and ssh mounts give a build access to
credentials without either.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence
from functools import lru_cache

from dockwise.diagnostics import Category, Diagnostic, Severity, TextRange
from dockwise.dockerfile.build import Stage
from dockwise.dockerfile.shell import ShellCommand
from dockwise.dockerfile.tree import Instruction
from dockwise.patterns import LazyPattern
from dockwise.rules._base import DockerfileContext, DockerfileRule, FixAvailability
from dockwise.rules.dockerfile.secret_mount import mount_secret

#: Name tokens that mean "secret" (BuildKit's list, token-delimited).
_SECRET_TOKENS = frozenset(
    {"apikey", "auth", "credential", "credentials", "key", "password", "pword", "passwd", "secret", "token"}
)
#: Tokens that make a name about a secret rather than the secret itself. Wider than BuildKit's
#: (public, file, version): `GPG_KEY` in the official images is a public key fingerprint. `id` is not among
#: them: `AWS_ACCESS_KEY_ID` is half of a credential pair, and BuildKit reports it too.
_NOT_SECRET_TOKENS = frozenset(
    {
        "public", "file", "files", "version", "gpg", "pgp", "fingerprint", "fingerprints", "path", "dir",
        "url", "ttl", "timeout", "seconds", "length", "type", "name", "names", "server", "host",
        "servers", "keyring", "keyserver", "keys", "sha", "sha256", "sha512", "checksum", "env", "signing",
        "release", "plugin", "use", "enable", "enabled", "method", "mode",
    }
)  # fmt: skip
#: Values that are recognisably credentials, whatever the variable is called.
_CREDENTIAL_VALUE = re.compile(
    r"gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{40,}|glpat-[\w-]{20}|AKIA[0-9A-Z]{16}|xox[baprs]-[\w-]{10,}"
    r"|sk_live_\w{20,}|npm_[A-Za-z0-9]{36}|-----BEGIN [A-Z ]*PRIVATE KEY-----"
)
_URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@$]+@", re.IGNORECASE)


@lru_cache(maxsize=4096)
def _is_secret_name(name: str) -> bool:
    tokens = [token for token in re.split(r"[_\W]+", name.lower()) if token]
    return any(t in _SECRET_TOKENS for t in tokens) and not any(t in _NOT_SECRET_TOKENS for t in tokens)


@lru_cache(maxsize=4096)
def _holds_credential(value: str) -> bool:
    """A credential-like value or a URL with a password in it."""
    return bool(_CREDENTIAL_VALUE.search(value) or _URL_WITH_PASSWORD.search(value))


class SecretInArgOrEnv(DockerfileRule):
    """An ARG or ENV holds a secret: a secret-like name, a credential-like value, or a URL with a password.

    ## Why is this bad?
    ENV values are saved in the image config and ARG values used by RUN in its history: `docker inspect`
    and `docker history` show them to anyone who can pull the image, forever.

    ## Example
    ```dockerfile
    ARG NPM_TOKEN
    RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci
    ```

    ## Use instead
    ```dockerfile
    RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
    # docker build --secret id=npmrc,src=$HOME/.npmrc .
    ```
    When one RUN uses the variable, the finding names it: `RUN --mount=type=secret,id=NAME,env=NAME`
    (Dockerfile 1.10 and later) gives that RUN the same variable without storing it.
    """

    code = "DW304"
    name = "secret-in-arg-or-env"
    category = Category.SECRETS_IN_BUILD
    severity = Severity.WARNING
    aliases = ("SecretsUsedInArgOrEnv", "DL3064")

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction in context.dockerfile.instructions:
            if instruction.keyword == "ENV":
                pairs = list(zip(instruction.arguments[::2], instruction.arguments[1::2], strict=False))
            elif instruction.keyword == "ARG":
                pairs = [(word.partition("=")[0], word.partition("=")[2]) for word in instruction.arguments]
            else:
                continue
            for name, value in pairs:
                if _holds_credential(value):
                    yield context.diagnostic(
                        self,
                        _name_range(instruction, name),
                        f"{instruction.keyword} {name} holds a credential: it is stored in the image for "
                        "good; use RUN --mount=type=secret",
                    )
                elif _is_secret_name(name):
                    users = _runs_using(context, name)
                    if _is_pgp_key_id(value) and any(_runs_gpg(context, run) for run in users):
                        continue  # `ARG LLVM_KEY=6084F3CF...` for `gpg --recv-keys`: a public fingerprint
                    if len(users) == 1:
                        advice = (
                            f"it is used by one RUN (line {users[0].start_line}): give it to that RUN with "
                            f"--mount=type=secret,id={name},env={name}"
                        )
                    else:
                        advice = "use RUN --mount=type=secret"
                    yield context.diagnostic(
                        self,
                        _name_range(instruction, name),
                        f"{instruction.keyword} {name} looks like a secret: it ends up in the image config "
                        f"or history; {advice}",
                    )


def _name_range(instruction: Instruction, name: str) -> TextRange:
    """The variable's name in the instruction: a finding points there, never at the value, so that no
    report (the text report cuts the line after a secret finding's span) shows the secret."""
    return instruction.locate(name)


_PGP_KEY_ID = re.compile(r"(?:0x)?(?:[0-9A-Fa-f]{16}|[0-9A-Fa-f]{40}|(?:[0-9A-Fa-f]{4} ?){10})")


def _is_pgp_key_id(value: str) -> bool:
    """A PGP long key id or fingerprint (16 or 40 hex digits, possibly in groups of four)."""
    return _PGP_KEY_ID.fullmatch(value.strip("\"' ")) is not None


def _runs_gpg(context: DockerfileContext, run: Instruction) -> bool:
    """Whether the RUN hands keys to gpg (or apt-key): then a hex value is a key id to fetch, not a secret."""
    return any(
        (command.name or "") in ("gpg", "gpg2", "gpgv", "apt-key") for command in context.run_commands(run)
    )


def _runs_using(context: DockerfileContext, name: str) -> list[Instruction]:
    """The RUNs whose text names the variable."""
    text = context.dockerfile.text
    return [
        run
        for run in context.dockerfile.instructions
        if run.keyword == "RUN"
        and re.search(rf"\$\{{?{re.escape(name)}\b", text[run.source_range.start : run.source_range.end])
    ]


#: File names that hold credentials or private keys.
_SECRET_FILES = frozenset(
    {
        "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".npmrc", ".pypirc", ".netrc", ".git-credentials",
        ".env", "credentials", "credentials.json", ".dockercfg", ".htpasswd", "kubeconfig", "privkey.pem",
        "key.pem", "service-account.json", ".vault-token", "secrets.yaml", "secrets.yml",
    }
)  # fmt: skip
_SECRET_SUFFIXES = (".key", "-key.pem", "_key.pem", ".p12", ".pfx", "_rsa", "_ed25519")
_PUBLIC_KEY_FILES = frozenset({"authorized_keys", "known_hosts", "authorized_keys2"})
_HARMLESS_ENV_SUFFIXES = (".example", ".sample", ".template", ".dist", ".defaults", ".tmpl")
_SECRET_PATHS = (".aws/credentials", ".docker/config.json", ".ssh/", ".kube/config", ".gnupg/")


@lru_cache(maxsize=4096)
def is_secret_file(source: str) -> bool:
    path = source.strip("\"'").rstrip("/")
    if "://" in path:
        return False  # a download, not a file of the build context
    name = posixpath.basename(path).lower()
    if name.startswith(".env") and name.endswith(_HARMLESS_ENV_SUFFIXES):
        return False
    if name in _PUBLIC_KEY_FILES or name.endswith(".pub") or any(word in name for word in ("gpg", "pub")):
        return False  # public keys: package signing keys, authorized_keys, known_hosts
    if name in _SECRET_FILES or name.endswith(_SECRET_SUFFIXES) or name.startswith(".env."):
        return True
    return any(marker in path for marker in _SECRET_PATHS)


class SecretFileCopied(DockerfileRule):
    """COPY or ADD of a key or credential file from the build context.

    ## Why is this bad?
    A file copied into a layer stays in that layer, even if a later RUN deletes it: `docker save` and any
    registry that holds the image hand it out. `.npmrc`, `.netrc`, `.env`, SSH and TLS private keys and
    cloud credentials are the usual leaks.

    ## Example
    ```dockerfile
    COPY .npmrc /root/.npmrc
    RUN npm ci && rm /root/.npmrc
    ```

    ## Use instead
    ```dockerfile
    RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
    ```
    """

    code = "DW305"
    name = "secret-file-copied"
    category = Category.SECRETS_IN_BUILD
    severity = Severity.ERROR
    aliases = ()
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "Unsafe: the file becomes a build secret that the build command must pass (`--secret`), and "
        "it is no longer in the image."
    )

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction in context.dockerfile.instructions:
            if not instruction.copies_files:
                continue
            if instruction.parsed_flags.from_:
                continue  # from another stage or image, not from the build context
            if _public_key_destination(context.dockerfile.word(instruction.arguments[-1])):
                continue  # `COPY jenkins.io-2026.key /war/jenkins-key.pub`: the file is a public key
            for source in instruction.arguments[:-1]:
                if is_secret_file(context.dockerfile.word(source)):
                    stage = context.dockerfile.build.stage_of(instruction)
                    if (
                        _is_ssh_key(source)
                        and stage is not None
                        and _uses_ssh_later(context, stage, instruction)
                    ):
                        advice = "use RUN --mount=type=ssh for the git clone (docker build --ssh default)"
                    else:
                        advice = "use RUN --mount=type=secret"
                    yield context.diagnostic(
                        self,
                        instruction.range,
                        f"{source} is a credential file: it stays in the layer even if deleted later; "
                        + advice,
                        fix=mount_secret(context, stage, instruction, source) if stage else None,
                    )
                    break


#: Where public keys go: package-signing keyrings, and names that say "public".
_PUBLIC_KEY_PLACES = (
    "/usr/share/keyrings/",
    "/etc/apt/trusted.gpg.d/",
    "/etc/apt/keyrings/",
    "/etc/pki/rpm-gpg/",
)


@lru_cache(maxsize=4096)
def _public_key_destination(destination: str) -> bool:
    """Whether the COPY destination says the file is a public key (`x.pub`, `x.asc`, `x.gpg`, a keyring
    directory): a release-signing key named `vendor.key` is then no credential."""
    path = destination.strip("\"'")
    name = posixpath.basename(path.rstrip("/")).lower()
    if name.endswith((".pub", ".asc", ".gpg")) or "public" in name or "keyring" in name:
        return True
    return any(place in (path if path.endswith("/") else path + "/") for place in _PUBLIC_KEY_PLACES)


@lru_cache(maxsize=4096)
def _is_ssh_key(source: str) -> bool:
    name = posixpath.basename(source.strip("\"'").rstrip("/"))
    return name.startswith("id_") or ".ssh" in source or name.endswith(("_rsa", "_ed25519"))


def _uses_ssh_later(context: DockerfileContext, stage: Stage, copy: Instruction) -> bool:
    """Whether a later RUN of the stage clones or fetches with git or runs ssh (what the key is for)."""
    for run in stage.instructions:
        if run.keyword != "RUN" or run.index < copy.index:
            continue
        for command in context.run_commands(run):
            if command.name in ("ssh", "scp", "ssh-keyscan"):
                return True
            if command.name == "git" and {"clone", "fetch", "pull", "submodule"} & set(command.values()):
                return True
    return False


_URL_WITH_CREDENTIALS = LazyPattern(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)
#: Files that tools read credentials from, as `echo ... > FILE` writes them.
_CREDENTIAL_TARGETS = frozenset(
    {
        ".npmrc",
        ".netrc",
        ".pypirc",
        ".git-credentials",
        ".yarnrc.yml",
        ".dockercfg",
        "credentials",
        "pip.conf",
    }
)
#: What a line of a credential file holds when it is a credential, not a setting (`registry=...`).
_CREDENTIAL_WORDS = LazyPattern(r"auth|token|passw|secret|login|key|://[^/\s]*@", re.IGNORECASE)
_REDIRECT = LazyPattern(r"[ \t]*(?:[12]?>>?|&>)[ \t]*([^\s;&|]+)")


def _credential_target(path: str) -> bool:
    path = path.strip("\"'")
    return posixpath.basename(path) in _CREDENTIAL_TARGETS or path.endswith(".docker/config.json")


class CredentialInBuildStep(DockerfileRule):
    """A credential in an ADD URL (`https://user:pass@host/...`), or written into a file by `echo` or
    `printf` in a RUN.

    ## Why is this bad?
    The ADD URL is recorded in the image history, and a RUN's command line too: `docker history` shows
    the password to anyone who can pull the image. A credential file written by a RUN (`.npmrc`,
    `.netrc`, `.git-credentials`) and not deleted in that same RUN stays in the layer for good.

    ## Example
    ```dockerfile
    ARG NPM_TOKEN
    RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > /root/.npmrc
    RUN npm ci
    ```

    ## Use instead
    ```dockerfile
    RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
    # docker build --secret id=npmrc,src=$HOME/.npmrc .
    ```
    """

    code = "DW306"
    name = "credential-in-build-step"
    category = Category.SECRETS_IN_BUILD
    severity = Severity.ERROR

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        text = context.dockerfile.text
        for instruction in context.dockerfile.instructions:
            if instruction.keyword == "ADD":
                for source in instruction.arguments[:-1]:
                    if _URL_WITH_CREDENTIALS.search(source):
                        yield context.diagnostic(
                            self,
                            instruction.keyword_range,  # the report shows the line up to here only
                            "the ADD URL carries a user and password, which the image history keeps: "
                            "download it in a RUN with --mount=type=secret",
                        )
                        break
                continue
            if instruction.keyword != "RUN":
                continue
            commands = context.run_commands(instruction)
            for index, command in enumerate(commands):
                if command.name not in ("echo", "printf"):
                    continue
                written = " ".join(w.text for w in command.arguments)
                redirect = _REDIRECT.match(text, command.range.end)
                target = redirect.group(1) if redirect else ""
                literal = _CREDENTIAL_VALUE.search(written) or _URL_WITH_PASSWORD.search(written)
                if literal:
                    message = f"{command.name} writes a credential that the image history shows"
                elif (
                    _credential_target(target)
                    and _CREDENTIAL_WORDS.search(written)
                    and not _removed_later(commands[index + 1 :], target)
                ):
                    written_to = target.strip("\"'")
                    message = f"{command.name} writes {written_to}, a credential file that stays in the layer"
                else:
                    continue
                where = command.words[0].range if literal else command.range  # never show a literal secret
                yield context.diagnostic(self, where, message + ": use RUN --mount=type=secret")


def _removed_later(commands: Sequence[ShellCommand], target: str) -> bool:
    name = posixpath.basename(target.strip("\"'"))
    return any(c.name == "rm" and any(posixpath.basename(v) == name for v in c.values()) for c in commands)
