#!/usr/bin/env python3
"""A black-box engine for tests/harness/blackbox_test.cpp: engine protocol v1 over a log with the shapes real engines
have and walkv does not, so that the oracle's black-box rules (docs/violations.md, "Black boxes") meet them.

    blackbox_engine.py DIR [--refuse-bad-header] [--reread] [--meta]

- At start-up, before any operation, it writes a 16-byte file header (`BBKV0001` and padding) to DIR/kv.log when the
  file is shorter than that (it starts over, empty); with --refuse-bad-header it refuses instead (exit 3) when the file
  is neither empty nor starts with a whole header.
- Each operation is one frame written as two calls, like a SQLite WAL frame: a 16-byte frame header
  `F<length:6><crc32:8>\\n`, then the payload (`P key value\\n` or `D key\\n`); then fsync, then OK.
- With --meta, each operation then rewrites the file header in place (`BBKV0001`, the operation count, a newline:
  a meta page rewritten after the data, as databases do) and syncs again; recovery needs only the `BBKV0001`.
- Recovery reads frames up to the first bad one (malformed header, short, or a checksum that does not match), cuts
  the file there and starts (SQLite's WAL recovery stops at the first bad frame the same way). With --reread, a bad
  frame makes it read the whole file once more first (a transient read fault then leaves no trace).
"""
import os
import sys
import zlib

HEADER = b"BBKV0001" + b" " * 7 + b"\n"
MAGIC = HEADER[:8]


def read_all(path):
    fd = os.open(path, os.O_RDONLY)
    data = b""
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        data += chunk
    os.close(fd)
    return data


def parse(data):
    """The state of the good frames and where they end; `whole` when nothing bad follows them."""
    state, at = {}, len(HEADER)
    while at < len(data):
        head = data[at:at + 16]
        if len(head) < 16 or head[:1] != b"F" or head[15:] != b"\n" or not head[1:15].isalnum():
            return state, at, False
        try:
            length, crc = int(head[1:7]), int(head[7:15], 16)
        except ValueError:
            return state, at, False
        payload = data[at + 16:at + 16 + length]
        if len(payload) != length or zlib.crc32(payload) != crc:
            return state, at, False
        words = payload.decode(errors="replace").split()
        if len(words) == 3 and words[0] == "P":
            state[words[1]] = words[2]
        elif len(words) == 2 and words[0] == "D":
            state.pop(words[1], None)
        else:
            return state, at, False
        at += 16 + length
    return state, at, True


def recover(path, refuse_bad_header, reread):
    if not os.path.exists(path):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o644))
    data = read_all(path)
    if not data.startswith(MAGIC) or len(data) < len(HEADER):
        if data and refuse_bad_header:
            sys.stderr.write(f"kv.log: bad file header ({len(data)} bytes)\n")
            sys.exit(3)
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
        os.write(fd, HEADER)
        os.close(fd)
        return {}
    state, end, whole = parse(data)
    if not whole and reread:
        state, end, whole = parse(read_all(path))
    if end < len(data):
        fd = os.open(path, os.O_WRONLY)
        os.ftruncate(fd, end)
        os.close(fd)
    return state


def main():
    path = os.path.join(sys.argv[1], "kv.log")
    state = recover(path, "--refuse-bad-header" in sys.argv, "--reread" in sys.argv)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    meta = os.open(path, os.O_WRONLY) if "--meta" in sys.argv else None
    count = 0
    print("READY", flush=True)
    for line in sys.stdin:
        words = line.split()
        reply = "ERR bad request"
        if words == ["QUIT"]:
            return 0
        if words == ["DUMP"]:
            reply = "".join(f"ENTRY {k} {v}\n" for k, v in state.items()) + "END"
        elif len(words) == 2 and words[0] == "GET":
            reply = f"VALUE {state[words[1]]}" if words[1] in state else "NOTFOUND"
        elif (len(words) == 3 and words[0] == "PUT") or (len(words) == 2 and words[0] == "DEL"):
            payload = (("P " if words[0] == "PUT" else "D ") + " ".join(words[1:]) + "\n").encode()
            os.write(fd, b"F%06d%08x\n" % (len(payload), zlib.crc32(payload)))
            os.write(fd, payload)
            os.fsync(fd)
            if meta is not None:
                count += 1
                os.pwrite(meta, MAGIC + b"%07d\n" % (count % 10000000), 0)
                os.fsync(meta)
            if words[0] == "PUT":
                state[words[1]] = words[2]
            else:
                state.pop(words[1], None)
            reply = "OK"
        print(reply, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
