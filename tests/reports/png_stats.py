#!/usr/bin/env python3
"""Prints how much a PNG screenshot shows: "WIDTHxHEIGHT colours=N non_background=F" (F: the fraction of pixels that
differ from the most common colour). Exits 1 unless the picture has at least MIN_COLOURS distinct colours and at
least MIN_FRACTION of its pixels away from the background, i.e. the page rendered something.

usage: png_stats.py FILE [MIN_COLOURS [MIN_FRACTION]]

Reads 8-bit RGB and RGBA PNGs (what Chromium writes) with the standard library only: zlib and the five PNG filters.
"""
import struct
import sys
import zlib
from collections import Counter


def pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG file")
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour not in (2, 6):
                raise SystemExit(f"{path}: only 8-bit RGB/RGBA PNGs are read (depth {depth}, colour type {colour})")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    min_colours = int(argv[2]) if len(argv) > 2 else 8
    min_fraction = float(argv[3]) if len(argv) > 3 else 0.02
    width, height, channels, rows = pixels(argv[1])
    counts = Counter()
    for row in rows[::4]:  # every fourth row and column is plenty for "is anything there"
        for x in range(0, width * channels, channels * 4):
            counts[row[x:x + 3]] += 1
    total = sum(counts.values())
    background = counts.most_common(1)[0][1] if counts else 0
    fraction = 1 - background / total if total else 0
    print(f"{width}x{height} colours={len(counts)} non_background={fraction:.3f}")
    return 0 if len(counts) >= min_colours and fraction >= min_fraction else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
