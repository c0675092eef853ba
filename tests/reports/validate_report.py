#!/usr/bin/env python3
"""Validates Faultline reports against reports/report.schema.json (JSON Schema draft 2020-12).

usage: validate_report.py SCHEMA REPORT...
       validate_report.py --mutations SCHEMA REPORT   (the report is valid, and each known mistake makes it invalid)

The schema lets objects carry fields it does not list (readers of 1.x must ignore additive fields). Here every object
that lists its properties is closed as well, so a field the writer added without documenting it fails the test.
Exits 77 (CTest's skip code) when python3-jsonschema is not installed.
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed: skipping", file=sys.stderr)
    sys.exit(77)


def closed(node):
    if isinstance(node, dict):
        node = {k: closed(v) for k, v in node.items()}
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [closed(v) for v in node]
    return node


# Mistakes a writer could make; each must be caught by the schema.
MUTATIONS = {
    "seed as a JSON number": lambda r: r["configuration"].__setitem__("seed", 42),
    "failure seed as a JSON number": lambda r: r["failures"][0].__setitem__("seed", 9007199254740993),
    "undocumented top-level field": lambda r: r.__setitem__("extra", 1),
    "undocumented failure field": lambda r: r["failures"][0].__setitem__("stack", "x"),
    "unknown status": lambda r: r.__setitem__("status", "ok"),
    "format version 2": lambda r: r.__setitem__("format_version", "2.0"),
    "missing summary.per_scenario": lambda r: r["summary"].pop("per_scenario"),
    "negative count": lambda r: r["summary"].__setitem__("failed", -1),
    "repro without argv": lambda r: r["failures"][0]["repro"].pop("argv"),
    "verdict pass among failures": lambda r: r["failures"][0].__setitem__("verdict", "pass"),
    "group without its repro command": lambda r: r["groups"][0].pop("repro"),
    "group smallest seed as a JSON number": lambda r: r["groups"][0]["smallest"].__setitem__("seed", 7),
    "signature that is not 16 hex digits": lambda r: r["failures"][0].__setitem__("signature", "lost-acked-write"),
    "undocumented group field": lambda r: r["groups"][0].__setitem__("stack", "x"),
    "transcript operation without its ack": lambda r: r["failures"][0]["transcript"][0]["operations"][0].pop("ack"),
    "transcript ack that is not a word of the schema": lambda r: r["failures"][0]["transcript"][0]["operations"][0]
        .__setitem__("ack", "yes"),
    "transcript over its bound": lambda r: r["failures"][0]["transcript"][0].__setitem__(
        "operations", r["failures"][0]["transcript"][0]["operations"] * 7),
    "undocumented transcript field": lambda r: r["failures"][0]["transcript"][0].__setitem__("stack", "x"),
    "hexdump_before as a list of lines": lambda r: r["failures"][0].__setitem__("hexdump_before", ["00 01"]),
}


def mutations(validator, path):
    import copy
    with open(path) as f:
        report = json.load(f)
    errors = list(validator.iter_errors(report))
    if errors:
        print(f"{path}: not valid to begin with: {errors[0].message}", file=sys.stderr)
        return 1
    missed = []
    for name, mutate in MUTATIONS.items():
        broken = copy.deepcopy(report)
        mutate(broken)
        if validator.is_valid(broken):
            missed.append(name)
    for name in missed:
        print(f"{path}: the schema accepts a report with {name}", file=sys.stderr)
    print(f"{path}: {len(MUTATIONS) - len(missed)} of {len(MUTATIONS)} mistakes caught")
    return 1 if missed else 0


def main(argv):
    if len(argv) == 4 and argv[1] == "--mutations":
        with open(argv[2]) as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        return mutations(jsonschema.Draft202012Validator(closed(schema)), argv[3])
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(closed(schema))
    bad = 0
    for path in argv[2:]:
        with open(path) as f:
            report = json.load(f)
        for error in sorted(validator.iter_errors(report), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in error.absolute_path) or "(top)"
            print(f"{path}: {where}: {error.message}", file=sys.stderr)
            bad += 1
        if not bad:
            print(f"{path}: valid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
