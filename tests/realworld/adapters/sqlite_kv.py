#!/usr/bin/python3
"""SQLite behind engine protocol v2 (docs/real-engines.md), with Python's stdlib sqlite3 module.

    sqlite_kv.py DIR JOURNAL_MODE SYNCHRONOUS      e.g.  sqlite_kv.py {dir} wal full,  sqlite_kv.py {dir} delete extra

One table kv(k, v) in DIR/kv.db, autocommit: every PUT and DEL is one transaction, acknowledged once sqlite3 returns
from its COMMIT, which with synchronous=FULL or EXTRA SQLite documents as durable. At start-up the database is opened
(SQLite recovers a hot journal or replays its WAL on first access) and checked with PRAGMA quick_check; SQLite's
DatabaseError ("database disk image is malformed") or a failed check is a refusal (exit 3). A value that is ASCII is
stored as TEXT (as with protocol v1), any other as a BLOB.
"""
import os
import sqlite3
import sys

from kvproto import fork_point, refuse, serve


class Store:
    def __init__(self, path, mode, synchronous):
        self.db = sqlite3.connect(path, isolation_level=None)
        got = self.db.execute(f"PRAGMA journal_mode={mode}").fetchone()[0]
        if got != mode:
            raise RuntimeError(f"journal_mode={mode} asked for, SQLite chose {got}")
        self.db.execute(f"PRAGMA synchronous={synchronous}")
        self.db.execute("CREATE TABLE IF NOT EXISTS kv(k TEXT PRIMARY KEY, v TEXT NOT NULL)")
        check = [row[0] for row in self.db.execute("PRAGMA quick_check")]
        if check != ["ok"]:
            raise sqlite3.DatabaseError("quick_check: " + "; ".join(check))

    def put(self, k, v):
        self.db.execute("INSERT OR REPLACE INTO kv(k, v) VALUES (?, ?)", (k, v.decode() if v.isascii() else v))

    def delete(self, k):
        self.db.execute("DELETE FROM kv WHERE k = ?", (k,))

    def get(self, k):
        row = self.db.execute("SELECT v FROM kv WHERE k = ?", (k,)).fetchone()
        return as_bytes(row[0]) if row else None

    def items(self):
        return [(k, as_bytes(v)) for k, v in self.db.execute("SELECT k, v FROM kv ORDER BY k")]


def as_bytes(v):
    return v.encode() if isinstance(v, str) else v


def main():
    fork_point()
    if len(sys.argv) != 4 or sys.argv[2] not in ("wal", "delete") or sys.argv[3] not in ("full", "extra"):
        print("usage: sqlite_kv.py DIR wal|delete full|extra", file=sys.stderr)
        return 2
    try:
        store = Store(os.path.join(sys.argv[1], "kv.db"), sys.argv[2], sys.argv[3])
    except sqlite3.DatabaseError as error:
        refuse("opening kv.db", error)
    return serve(store)


if __name__ == "__main__":
    sys.exit(main())
