"""Engine protocol v2 (docs/engine-protocol.md) for the real-engine adapters in this folder (docs/real-engines.md).

READY v2: values travel in hex, so a value is any bytes, up to 64 KiB. An adapter imports its engine's module, calls
fork_point(), opens its store and hands it to serve(). A store has put(k: str, v: bytes), delete(k),
get(k) -> bytes or None and items() -> iterable of (k: str, v: bytes); each put and delete returns only
once the engine says it is durable (the adapter chooses the engine's own settings for that). An exception the
adapter names as corruption ends the process with exit 3 (the profiles' corrupt_exit_code) and its message on
stderr; any other exception is an ERR reply, after which the engine refuses every later write (fail-stop).
"""
import ctypes
import os
import sys

CORRUPT_EXIT = 3
MAX_VALUE_BYTES = 64 << 10
HEX = frozenset("0123456789abcdefABCDEF")


def fork_point():
    """Stops here under a deferred fork server (docs/fork-server.md); returns at once otherwise."""
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
    getenv = lib.getenv
    getenv.restype = ctypes.c_char_p
    getenv.argtypes = [ctypes.c_char_p]
    for name in ("FAULTFS_FORK_SERVER", "FAULTFS_FORK_POINT", "FAULTFS_PLAN"):
        value = getenv(name.encode())
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value.decode()


def refuse(what, error):
    """The engine found its files corrupt: say so on stderr and exit with the corrupt exit code."""
    print(f"{what}: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
    sys.exit(CORRUPT_EXIT)


def is_hex(word):
    return 0 < len(word) <= 2 * MAX_VALUE_BYTES and len(word) % 2 == 0 and all(c in HEX for c in word)


def serve(store):
    out = sys.stdout
    out.write("READY v2\n")
    out.flush()
    failed = None  # after a failed write nothing more is acknowledged
    for line in sys.stdin:
        words = line.split()
        try:
            if words == ["QUIT"]:
                return 0
            if words == ["DUMP"]:
                reply = "".join(f"ENTRY {k} {v.hex()}\n" for k, v in store.items()) + "END"
            elif len(words) == 2 and words[0] == "GET":
                value = store.get(words[1])
                reply = "NOTFOUND" if value is None else f"VALUE {value.hex()}"
            elif len(words) in (2, 3) and words[0] in ("PUT", "DEL") and failed:
                reply = f"ERR an earlier write failed: {failed}"
            elif len(words) == 3 and words[0] == "PUT" and not is_hex(words[2]):
                reply = "ERR value must be 1 to 65536 bytes in hex (engine protocol v2)"
            elif len(words) == 3 and words[0] == "PUT":
                store.put(words[1], bytes.fromhex(words[2]))
                reply = "OK"
            elif len(words) == 2 and words[0] == "DEL":
                store.delete(words[1])
                reply = "OK"
            else:
                reply = "ERR bad request"
        except Exception as error:  # noqa: BLE001  (the engine's own errors become ERR replies)
            print(f"{line.strip()}: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
            failed = failed or f"{type(error).__name__}: {error}".replace("\n", " ")
            reply = f"ERR {failed}"
        out.write(reply + "\n")
        out.flush()
    return 0
