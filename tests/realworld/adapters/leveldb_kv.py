#!/usr/bin/python3
"""LevelDB behind engine protocol v2 (docs/real-engines.md), with Debian's python3-plyvel.

    leveldb_kv.py DIR

The database is DIR/db, opened with paranoid_checks off (LevelDB's default); every PUT and DEL is one write with
sync=True, which LevelDB documents as durable once it returns (the log record is written and fsynced). LevelDB replays
its log at open; plyvel.CorruptionError at open is a refusal (exit 3).
"""
import os
import sys

import plyvel

from kvproto import fork_point, refuse, serve


class Store:
    def __init__(self, path):
        self.db = plyvel.DB(path, create_if_missing=True, paranoid_checks=False)

    def put(self, k, v):
        self.db.put(k.encode(), v, sync=True)

    def delete(self, k):
        self.db.delete(k.encode(), sync=True)

    def get(self, k):
        value = self.db.get(k.encode())
        return value

    def items(self):
        return [(k.decode(), v) for k, v in self.db.iterator()]


def main():
    fork_point()
    if len(sys.argv) != 2:
        print("usage: leveldb_kv.py DIR", file=sys.stderr)
        return 2
    try:
        store = Store(os.path.join(sys.argv[1], "db"))
    except plyvel.CorruptionError as error:
        refuse("opening db", error)
    return serve(store)


if __name__ == "__main__":
    sys.exit(main())
