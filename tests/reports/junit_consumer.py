#!/usr/bin/env python3
"""Reads Faultline's JUnit XML with a real consumer, Debian's python3-junitparser, and checks that it counts what the
JSON report says: one test case per cause (group) plus one per scenario without failures, each failing trial
counted once.

usage: junit_consumer.py JUNIT_XML GROUPED_REPORT_JSON
(GROUPED_REPORT_JSON: a report with `groups`, format 1.1; `faultline report merge` of a 1.0 report gives one.)
Exits 77 (CTest's skip code) when junitparser is not installed.
"""
import json
import re
import sys

try:
    import junitparser
except ImportError:
    # apt installs it for Debian's python3; an interpreter from elsewhere does not see dist-packages.
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        import junitparser
    except ImportError:
        print("python3-junitparser is not installed: skipping", file=sys.stderr)
        sys.exit(77)


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    xml = junitparser.JUnitXml.fromfile(argv[1])
    report = json.load(open(argv[2]))
    suites = list(xml) if isinstance(xml, junitparser.JUnitXml) else [xml]
    problems = []
    if len(suites) != 1:
        problems.append(f"{len(suites)} test suites, expected 1")
    suite = suites[0]
    cases = list(suite)
    failing = [c for c in cases if any(isinstance(r, junitparser.Failure) for r in c.result)]
    erring = [c for c in cases if any(isinstance(r, junitparser.Error) for r in c.result)]
    groups = report["groups"]
    fail_groups = [g for g in groups if g["verdict"] == "fail"]
    error_groups = [g for g in groups if g["verdict"] == "error"]
    mismatches = len(report["determinism"]["mismatches"])
    if suite.tests != len(cases):
        problems.append(f"tests={suite.tests} but {len(cases)} test cases")
    if suite.failures != len(failing) or len(failing) != len(fail_groups):
        problems.append(f"failures={suite.failures}, {len(failing)} failing cases, {len(fail_groups)} failing causes")
    if len(erring) != len(error_groups) + (1 if mismatches else 0) or suite.errors != len(erring):
        problems.append(f"errors={suite.errors}, {len(erring)} erring cases, {len(error_groups)} erring causes")
    counted = 0
    for c in failing:
        message = next(r.message for r in c.result if isinstance(r, junitparser.Failure))
        m = re.match(r"(\d+) trials? ", message or "")
        if not m:
            problems.append(f"failure message of {c.name!r} does not start with its trial count: {message!r}")
            continue
        counted += int(m.group(1))
        if "faultline repro" not in (c.result[0].text or ""):
            problems.append(f"{c.name!r} has no repro command")
    if counted != report["summary"]["failed"]:
        problems.append(f"the failing cases stand for {counted} trials, the report has {report['summary']['failed']}")
    names = [c.name for c in cases]
    if len(set(names)) != len(names):
        problems.append("test case names repeat")
    for p in problems:
        print(f"{argv[1]}: {p}", file=sys.stderr)
    print(f"{argv[1]}: junitparser {junitparser.version if hasattr(junitparser, 'version') else ''} reads tests="
          f"{suite.tests} failures={suite.failures} errors={suite.errors} skipped={suite.skipped}; "
          f"{report['summary']['failed']} failing trials in {len(fail_groups)} causes")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
