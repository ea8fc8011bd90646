"""Keyed pseudonyms for the record ids members submit: the submitted id is never stored.

Members key their records with their own ids (``review_id``, ``io_id``, an IO's ``review_id``,
``response_id``), and those ids hold case numbers, SSNs, dates of birth and names more often than
anyone would like. At the boundary — when a file's rows are staged, before any rule looks at them
— every such id is replaced by

    <prefix>_<first 20 hex digits of HMAC-SHA-256(key, jurisdiction_id US kind US id)>

(``US`` is the unit separator, U+001F; ``kind`` is the id's namespace: ``review``, ``io`` or
``response``; ``prefix`` is ``rv``, ``io`` or ``rs``). The same id of the same jurisdiction gives
the same pseudonym in every run, so a corrected file still replaces its rows, and an IO still
finds its review; without the key nobody can go back from a pseudonym to the id, or test a guess.
Federal child-welfare files (AFCARS, NCANDS) solve the same problem the same way: states send
encrypted record numbers, never their own case ids.

The key is the partnership's, kept **outside** the warehouse and its published copy:

- one setting, ``NPCS_PSEUDONYM_KEY_FILE``; by default ``$XDG_CONFIG_HOME/npcs/pseudonym.key``
  (``~/.config/npcs/pseudonym.key``);
- created on first use (32 random bytes, written as hex) with owner-only permissions (0600, its
  folder 0700); a key file that others may read is refused;
- the warehouse records only the key's fingerprint (an HMAC of a fixed text, which says nothing
  of the key) in ``raw.pseudonym_key``: loading with another key is refused, because its
  pseudonyms would not match the stored ones (corrections would add rows instead of replacing
  them).

The HMAC runs inside DuckDB (its ``sha256`` over blobs, RFC 2104's two nested hashes), once per
row and in parallel, with the key held in two session variables for the load only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

import duckdb

KEY_FILE_ENV = "NPCS_PSEUDONYM_KEY_FILE"
KEY_BYTES = 32
HEX_DIGITS = 20  # 80 bits: no collision in practice among millions of ids of one jurisdiction
SEPARATOR = "\x1f"
# The namespace of each pseudonymised column: an IO's review_id is a review's id.
KINDS = {"review": "rv", "io": "io", "response": "rs"}
FINGERPRINT_TEXT = b"npcs pseudonym key fingerprint v1"
FINGERPRINT_TABLE = "raw.pseudonym_key"
SQL_FUNCTION = "npcs_pseudonym"
_IPAD, _OPAD = "npcs_pseudonym_ipad", "npcs_pseudonym_opad"


class PseudonymKeyError(Exception):
    """The key cannot be used: unreadable, too open, malformed, or not the warehouse's key."""


def key_path() -> Path:
    """Where the partnership key is: ``NPCS_PSEUDONYM_KEY_FILE``, else the user's config folder."""
    configured = os.environ.get(KEY_FILE_ENV)
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "npcs" / "pseudonym.key"


def load_key(create: bool = True) -> bytes:
    """The partnership key; created on first use when ``create`` (owner-only permissions)."""
    path = key_path()
    if not path.exists():
        if not create:
            raise PseudonymKeyError(
                f"no pseudonym key at {path} (set {KEY_FILE_ENV} to the partnership's key file)"
            )
        _create(path)
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PseudonymKeyError(
            f"the pseudonym key {path} may be read by others (mode {stat.filemode(mode)}); "
            f"make it owner-only: chmod 600 {path}"
        )
    text = path.read_text().strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise PseudonymKeyError(f"the pseudonym key {path} is not a key (expected 64 hex digits)")
    return key


def _create(path: Path) -> None:
    """Write a new random key at ``path``; if another process wrote one first, keep theirs."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(KEY_BYTES) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # atomic, and fails if a key is already there
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)


def fingerprint(key: bytes) -> str:
    """What the warehouse records of the key: enough to tell two keys apart, nothing more."""
    return hmac.new(key, FINGERPRINT_TEXT, hashlib.sha256).hexdigest()[:16]


def pseudonym(key: bytes, jurisdiction_id: str, kind: str, value: str | None) -> str | None:
    """The pseudonym of one submitted id (trimmed; None for an empty id) — the reference the SQL
    form is held to."""
    if value is None or not value.strip():
        return None
    message = SEPARATOR.join((jurisdiction_id, kind, value.strip())).encode()
    digest = hmac.new(key, message, hashlib.sha256).hexdigest()
    return f"{KINDS[kind]}_{digest[:HEX_DIGITS]}"


def _pads(key: bytes) -> tuple[bytes, bytes]:
    block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def install(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Define ``npcs_pseudonym(value, jurisdiction_id, kind)`` on ``con`` (NULL for NULL): the
    key's pads go into two session variables, which :func:`uninstall` clears."""
    ipad, opad = _pads(key)
    con.execute(f"set variable {_IPAD} = ?::blob", [ipad]).fetchall()
    con.execute(f"set variable {_OPAD} = ?::blob", [opad]).fetchall()
    prefixes = " ".join(f"when '{k}' then '{p}_'" for k, p in KINDS.items())
    con.execute(
        f"""create or replace temp macro {SQL_FUNCTION}(value, jurisdiction_id, kind) as
            case when value is null then null
            else (case kind {prefixes} end) || substr(sha256(getvariable('{_OPAD}') || unhex(
                sha256(getvariable('{_IPAD}') || encode(
                    jurisdiction_id || chr(31) || kind || chr(31) || value)))), 1, {HEX_DIGITS})
            end"""
    ).fetchall()


def uninstall(con: duckdb.DuckDBPyConnection) -> None:
    for name in (_IPAD, _OPAD):
        con.execute(f"reset variable {name}").fetchall()


def sql(value_sql: str, jurisdiction_sql: str, kind: str) -> str:
    """SQL giving the pseudonym of ``value_sql`` (already trimmed, NULL when empty)."""
    if kind not in KINDS:
        raise ValueError(f"unknown pseudonym kind {kind!r}")
    return f"{SQL_FUNCTION}({value_sql}, {jurisdiction_sql}, '{kind}')"


def ensure_warehouse_key(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Record the key's fingerprint in a new warehouse, or refuse a key that is not the one its
    stored pseudonyms were made with. A warehouse loaded before ids were pseudonymised has its
    stored ids replaced first (:func:`pseudonymise_stored_ids`, with :func:`install` done)."""
    con.execute(
        f"create table if not exists {FINGERPRINT_TABLE} "
        "(fingerprint varchar, recorded_at timestamp)"
    ).fetchall()
    rows = con.execute(f"select distinct fingerprint from {FINGERPRINT_TABLE}").fetchall()
    mine = fingerprint(key)
    if not rows:
        con.execute("begin transaction").fetchall()
        try:
            pseudonymise_stored_ids(con)
            con.execute(
                f"insert into {FINGERPRINT_TABLE} values (?, current_timestamp)", [mine]
            ).fetchall()
            con.execute("commit").fetchall()
        except BaseException:
            con.execute("rollback").fetchall()
            raise
        return
    if rows[0][0] != mine:
        raise PseudonymKeyError(
            f"the pseudonym key {key_path()} (fingerprint {mine}) is not the key this "
            f"warehouse's ids were pseudonymised with (fingerprint {rows[0][0]}): its "
            "pseudonyms would not match the stored ones, so corrections would add rows instead "
            f"of replacing them. Point {KEY_FILE_ENV} at the partnership's key (README: "
            "'The pseudonym key')."
        )


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_catalog = current_database() and table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def pseudonymise_stored_ids(con: duckdb.DuckDBPyConnection) -> int:
    """Replace the submitted ids a warehouse stored before pseudonyms by their pseudonyms, in
    place: every raw table's record ids, the restricted narratives' ``io_id``; and drop the gate
    results' sample keys (they quoted ids). Quarantined values, ids among them, became their
    class when the raw schema was brought up to date (``raw_loader.ensure_schema``). Run once,
    the first time a warehouse without a recorded key is loaded (a new warehouse has nothing to
    replace). Returns the rows changed."""
    from ingestion.core_data_set import DATA_SETS

    changed = 0
    for ds in DATA_SETS.values():
        ids = {c.name: c.pseudonym for c in ds.columns if c.pseudonym}
        if not ids or not _table_exists(con, "raw", ds.name):
            continue
        sets = ", ".join(f"{c} = {sql(c, 'jurisdiction_id', kind)}" for c, kind in ids.items())
        changed += con.execute(f"update raw.{ds.name} set {sets}").fetchone()[0]
    if _table_exists(con, "restricted", "io_narratives"):
        changed += con.execute(
            f"update restricted.io_narratives set io_id = {sql('io_id', 'jurisdiction_id', 'io')}"
        ).fetchone()[0]
    if _table_exists(con, "quality", "check_results"):
        changed += con.execute(
            "update quality.check_results set sample = null where sample is not null"
        ).fetchone()[0]
    return changed
