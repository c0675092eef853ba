#!/usr/bin/env python3
"""The fork server tests' Python engine (tests/harness/fork_server_test.cpp, harness/bench/bench_trials.cpp): the
same log of text lines as fork_engine.c, behind a deferred fork point (docs/fork-server.md).

    fork_engine.py DIR

It imports what it needs, then calls faultline_fork_point() through ctypes: under a deferred fork server the
process stops there and each engine start is a fork of it; without one the call returns 0 at once. A forked child
reads its arguments again with faultline_arg(), since sys.argv was filled before the fork.
"""
import ctypes
import json  # noqa: F401  (stands for an adapter's imports: the work a deferred fork point saves)
import os
import sys


def fork_point():
    try:
        lib = ctypes.CDLL(None)
        point = lib.faultline_fork_point
    except (OSError, AttributeError):
        return  # not under the shim
    point.restype = ctypes.c_int
    if point() != 1:
        return
    arg = lib.faultline_arg
    arg.restype = ctypes.c_char_p
    arg.argtypes = [ctypes.c_int]
    skip = len(sys.orig_argv) - len(sys.argv)  # the interpreter's own words before the script
    sys.argv = [arg(skip + i).decode() for i in range(len(sys.argv))]
    # os.environ too was copied before the fork: take the child's plan from the C environment, so that a process
    # this engine starts (subprocess passes os.environ) runs under the same plan as with exec.
    getenv = lib.getenv
    getenv.restype = ctypes.c_char_p
    getenv.argtypes = [ctypes.c_char_p]
    for name in ("FAULTFS_FORK_SERVER", "FAULTFS_FORK_POINT", "FAULTFS_PLAN"):
        value = getenv(name.encode())
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value.decode()


def main():
    fork_point()
    path = os.path.join(sys.argv[1], "wal.log")
    state = {}
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    data = b""
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        data += chunk
    good = 0
    for line in data.split(b"\n")[:-1]:
        words = line.decode(errors="replace").split(" ")
        if len(words) == 3 and words[0] == "P":
            state[words[1]] = words[2]
        elif len(words) == 2 and words[0] == "D":
            state.pop(words[1], None)
        else:
            break
        good += len(line) + 1
    if good != len(data):
        os.ftruncate(fd, good)
    os.close(fd)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    out = sys.stdout
    out.write("READY\n")
    out.flush()
    for line in sys.stdin:
        words = line.split()
        reply = "ERR bad request"
        if words == ["QUIT"]:
            return 0
        if words == ["DUMP"]:
            reply = "".join(f"ENTRY {k} {v}\n" for k, v in state.items()) + "END"
        elif len(words) == 3 and words[0] == "PUT":
            record = f"P {words[1]} {words[2]}\n".encode()
            if os.write(fd, record) != len(record):
                return 5
            os.fsync(fd)
            state[words[1]] = words[2]
            reply = "OK"
        elif len(words) == 2 and words[0] == "DEL":
            record = f"D {words[1]}\n".encode()
            if os.write(fd, record) != len(record):
                return 5
            os.fsync(fd)
            state.pop(words[1], None)
            reply = "OK"
        elif len(words) == 2 and words[0] == "GET":
            reply = f"VALUE {state[words[1]]}" if words[1] in state else "NOTFOUND"
        out.write(reply + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
