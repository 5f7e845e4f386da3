"""Archival of old audit partitions: detach, stream out gzipped, verify, then drop.

An archive is `<partition>.tsv.gz` (PostgreSQL COPY text format: one line per row) and
`<partition>.manifest.json` (columns, rows, SHA-256 of the gz file, time range).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import queue
import threading
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .errors import ArchiveError

COLUMNS = (
    "id",
    "occurred_at",
    "txid",
    "table_name",
    "row_pk",
    "action",
    "changes",
    "actor_id",
    "actor_kind",
    "source",
    "request_id",
    "ip",
    "db_role",
    "context",
)
CHUNK = 1 << 20


@dataclass
class Manifest:
    table: str
    file: str
    columns: list[str]
    rows: int
    sha256: str
    bytes: int
    raw_bytes: int
    first_occurred_at: str | None
    last_occurred_at: str | None
    month: str
    archived_at: str

    @classmethod
    def load(cls, path: Path) -> Manifest:
        try:
            return cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise ArchiveError(f"{path.name}: unreadable manifest ({exc})") from exc


def archive_root() -> Path:
    root = Path(settings.ARCHIVE_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    return root


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


class _HashingFile:
    """A binary file that hashes what is written through it."""

    def __init__(self, fileobj):
        self.fileobj = fileobj
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data):
        self.sha.update(data)
        self.size += len(data)
        return self.fileobj.write(data)

    def flush(self):
        self.fileobj.flush()


def partition_detach(table: str) -> None:
    """Detach a partition of a month that is over from the audit trail (briefly locks the parent).

    The owner's function does it (sql/definer.sql): the application's role alters no table.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '5s'")
        cursor.execute("SELECT auditing_partition_detach(%s)", [table])


def _copy_out(table: str, target: Path, level: int) -> tuple[int, int, str, int]:
    """Stream the table through gzip into `target`; returns rows, raw bytes, sha256, size.

    Reading from PostgreSQL and compressing run on two threads (zlib releases the GIL).
    """
    columns = ", ".join(COLUMNS)
    chunks: queue.Queue = queue.Queue(maxsize=16)
    rows = raw = 0
    tmp = target.with_suffix(target.suffix + ".part")
    failure: list[BaseException] = []

    with open(tmp, "wb") as raw_file:
        hashing = _HashingFile(raw_file)

        def compress():
            try:
                with gzip.GzipFile(
                    fileobj=hashing, mode="wb", compresslevel=level, mtime=0
                ) as gz:
                    while (block := chunks.get()) is not None:
                        gz.write(block)
            except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
                failure.append(exc)
                while chunks.get() is not None:
                    pass

        worker = threading.Thread(target=compress, daemon=True)
        worker.start()
        try:
            with connection.cursor() as cursor:
                query = f"COPY (SELECT {columns} FROM {connection.ops.quote_name(table)} ORDER BY id) TO STDOUT"
                with cursor.cursor.copy(query) as copy:
                    pending = []
                    size = 0
                    for block in copy:
                        block = bytes(block)
                        rows += block.count(b"\n")
                        raw += len(block)
                        pending.append(block)
                        size += len(block)
                        if size >= CHUNK:
                            chunks.put(b"".join(pending))
                            pending, size = [], 0
                    if pending:
                        chunks.put(b"".join(pending))
        finally:
            chunks.put(None)
            worker.join()
        raw_file.flush()
        os.fsync(raw_file.fileno())
    if failure:
        raise failure[0]
    os.replace(tmp, target)
    return rows, raw, hashing.sha.hexdigest(), hashing.size


def archive_check(manifest: Manifest, root: Path | None = None) -> None:
    """Raise ArchiveError unless the file matches its manifest (hash and row count)."""
    path = (root or archive_root()) / manifest.file
    if not path.exists():
        raise ArchiveError(f"{manifest.file}: file missing")
    sha = hashlib.sha256()
    inflate = zlib.decompressobj(wbits=31)
    rows = 0
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            sha.update(block)
            rows += inflate.decompress(block).count(b"\n")
            while inflate.unconsumed_tail:
                rows += inflate.decompress(inflate.unconsumed_tail).count(b"\n")
        rows += inflate.flush().count(b"\n")
    if sha.hexdigest() != manifest.sha256:
        raise ArchiveError(
            f"{manifest.file}: SHA-256 mismatch (file changed or corrupt)"
        )
    if rows != manifest.rows:
        raise ArchiveError(
            f"{manifest.file}: {rows} rows in file, manifest says {manifest.rows}"
        )


def partition_archive(
    table: str, month: dt.date, *, level: int | None = None
) -> Manifest:
    """Archive one audit partition and drop it once the archive is verified."""
    root = archive_root()
    level = settings.AUDIT_ARCHIVE_GZIP_LEVEL if level is None else level
    partition_detach(table)
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), min(occurred_at), max(occurred_at) FROM {quoted}"
        )
        count, first, last = cursor.fetchone()
    data_file = f"{table}.tsv.gz"
    rows, raw, sha, size = _copy_out(table, root / data_file, level)
    if rows != count:
        raise ArchiveError(f"{table}: copied {rows} rows, table has {count}")
    manifest = Manifest(
        table=table,
        file=data_file,
        columns=list(COLUMNS),
        rows=rows,
        sha256=sha,
        bytes=size,
        raw_bytes=raw,
        first_occurred_at=first.isoformat() if first else None,
        last_occurred_at=last.isoformat() if last else None,
        month=f"{month:%Y-%m}",
        archived_at=timezone.now().isoformat(),
    )
    archive_check(manifest, root)
    _write_atomically(
        root / f"{table}.manifest.json", json.dumps(asdict(manifest), indent=2)
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '5s'")
        # Dropped by the owner's function, which checks the rows are all archived and
        # records the drop, with the archive's checksum, in the trail.
        cursor.execute(
            "SELECT auditing_partition_drop(%s, %s, %s, %s)",
            [table, manifest.rows, manifest.file, manifest.sha256],
        )
    return manifest


def manifests(root: Path | None = None) -> list[Path]:
    return sorted((root or archive_root()).glob("*.manifest.json"))


def resolve_manifest(name: str) -> Path:
    """Find a manifest from a path, a file name, or a partition name."""
    candidates = [Path(name)]
    root = archive_root()
    base = Path(name).name
    for suffix in (".manifest.json", ".tsv.gz"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    candidates += [
        root / f"{base}.manifest.json",
        Path(name).parent / f"{base}.manifest.json",
    ]
    for candidate in candidates:
        if candidate.name.endswith(".manifest.json") and candidate.exists():
            return candidate
    raise ArchiveError(f"no archive manifest found for {name!r} in {root}")


def archive_restore(
    manifest_path: Path, *, table: str | None = None
) -> tuple[str, int]:
    """Load an archive into a scratch table (not part of the audit trail); returns it and rows."""
    manifest = Manifest.load(manifest_path)
    root = manifest_path.parent
    archive_check(manifest, root)
    table = (
        table or f"audit_restore_{manifest.table.removeprefix('auditing_auditevent_')}"
    )
    quoted = connection.ops.quote_name(table)
    columns = ", ".join(manifest.columns)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [table])
        if cursor.fetchone()[0] is not None:
            raise ArchiveError(
                f"table {table} already exists; drop it or pick another --table"
            )
        cursor.execute(
            f"CREATE TABLE {quoted} (LIKE auditing_auditevent INCLUDING DEFAULTS)"
        )
        with (
            open(root / manifest.file, "rb") as raw_file,
            gzip.GzipFile(fileobj=raw_file) as gz,
        ):
            with cursor.cursor.copy(f"COPY {quoted} ({columns}) FROM STDIN") as copy:
                while block := gz.read(CHUNK):
                    copy.write(block)
        cursor.execute(f"SELECT count(*) FROM {quoted}")
        rows = cursor.fetchone()[0]
        if rows != manifest.rows:
            raise ArchiveError(
                f"{table}: loaded {rows} rows, manifest says {manifest.rows}"
            )
    return table, rows
