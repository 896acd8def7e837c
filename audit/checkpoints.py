"""Signed checkpoints of the audit chain, kept where the database can't reach them.

Whoever owns the database can empty the trail and its chain head, or rewrite
a row and recompute every later hash: the chain then adds up again. What they
can't do is sign. After each seal the sealer appends one JSON line
``{"seq", "hash", "at", "key", "signature"}`` to ``AUDIT_CHECKPOINT_FILE``,
signed with the Ed25519 key in ``AUDIT_SIGNING_KEY_FILE``, which lives on the
worker's disk and never in the database. ``verify_audit`` then requires the
chain to hold the latest checkpoint's hash at its row and to go on from it.

The file only grows: a line is added under an exclusive lock and only with a
higher row than the last one, so its last line is the latest checkpoint. In
production it sits on storage the database role can't write (see the README,
"Security"); the IG lead's nightly email carries a copy off the server.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# The tail read to find the last line; a checkpoint line is about 300 characters.
_TAIL_BYTES = 4096


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: dt.datetime
    key: str  # the signer's public key, hex
    signature: str  # hex

    def line(self) -> str:
        return json.dumps(
            {
                "seq": self.seq,
                "hash": self.hash,
                "at": self.at.isoformat(),
                "key": self.key,
                "signature": self.signature,
            },
            sort_keys=True,
        )


def _signed_text(seq: int, head_hash: str, at: dt.datetime) -> bytes:
    return f"flagpost-audit-checkpoint\n{seq}\n{head_hash}\n{at.isoformat()}".encode()


def _key_path() -> Path:
    return Path(settings.AUDIT_SIGNING_KEY_FILE)


def _checkpoint_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def signing_key() -> Ed25519PrivateKey:
    """The sealer's private key; made on first use if the file isn't there (the embedded default)."""
    path = _key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            # O_EXCL: two processes starting at once end up with one key, not one each.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as file:
                file.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(
            f"AUDIT_SIGNING_KEY_FILE ({path}) is not an Ed25519 private key."
        )
    return key


def _public_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def public_key_hex() -> str:
    return _public_hex(signing_key().public_key())


def _parse(line: str) -> Checkpoint:
    data = json.loads(line)
    return Checkpoint(
        seq=int(data["seq"]),
        hash=str(data["hash"]),
        at=dt.datetime.fromisoformat(str(data["at"])),
        key=str(data["key"]),
        signature=str(data["signature"]),
    )


def _last_line(path: Path) -> str | None:
    try:
        with path.open("rb") as file:
            file.seek(0, os.SEEK_END)
            size = file.tell()
            file.seek(max(0, size - _TAIL_BYTES))
            tail = file.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    lines = [line for line in tail.splitlines() if line.strip()]
    return lines[-1] if lines else None


class CheckpointUnreadable(Exception):
    """The checkpoint file's last line isn't a checkpoint."""


def checkpoint_latest() -> Checkpoint | None:
    """The last checkpoint published, or None before the first one."""
    line = _last_line(_checkpoint_path())
    if line is None:
        return None
    try:
        return _parse(line)
    except (ValueError, KeyError, TypeError) as error:
        raise CheckpointUnreadable(str(error)) from error


def checkpoint_signed(checkpoint: Checkpoint) -> bool:
    """True if the checkpoint was signed by this installation's key (and not altered since)."""
    public = signing_key().public_key()
    if checkpoint.key != _public_hex(public):
        return False
    try:
        public.verify(
            bytes.fromhex(checkpoint.signature),
            _signed_text(checkpoint.seq, checkpoint.hash, checkpoint.at),
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def checkpoint_publish(*, seq: int, head_hash: str, at: dt.datetime) -> Checkpoint | None:
    """Append a signed checkpoint, unless one for this row or a later one is there already."""
    key = signing_key()
    path = _checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = Checkpoint(
        seq=seq,
        hash=head_hash,
        at=at,
        key=_public_hex(key.public_key()),
        signature=key.sign(_signed_text(seq, head_hash, at)).hex(),
    )
    with path.open("a", encoding="utf-8") as file:
        # Two sealers finishing together (or a check and the beat) add their lines one at a time,
        # and in order of row.
        fcntl.flock(file.fileno(), fcntl.LOCK_EX)
        try:
            last = _last_line(path)
            if last is not None and _parse(last).seq >= seq:
                return None
            file.write(checkpoint.line() + "\n")
            file.flush()
            os.fsync(file.fileno())
        finally:
            fcntl.flock(file.fileno(), fcntl.LOCK_UN)
    return checkpoint
