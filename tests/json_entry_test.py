#!/usr/bin/env python3
"""Every JSON parse goes through common/json/json_parse.h (issue #13): a
RapidJSON Document parsed directly has no depth limit, and 100k '[' ran the
recursive reader, Writer and walkers out of stack. This check fails on a
direct parse outside common/json/ in the libraries and tools: a call of
Parse/ParseStream/ParseInsitu on a variable declared as a (Generic)Document
in the same file, a RapidJSON reader, or a read of a Document's parse error
(json::Parse returns the error as a Status instead). Tests and benchmarks
may parse our own output directly.

Usage: json_entry_test.py [SOURCE_DIR]. Prints each violation and exits 1."""
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
ALLOWED = "common/json/"

DOCUMENT_VAR = re.compile(r"\b(?:rapidjson::)?(?:GenericDocument\s*<[^;]*?>|Document)\s*[*&]?\s+(\w+)\s*[({;=]")
ALWAYS = re.compile(r"\b(HasParseError|GetParseError|GetErrorOffset|ParseInsitu|GenericReader|rapidjson::Reader)\b"
                    r"|Document\s*\(\s*\)\s*\.\s*Parse")


def sources():
    for top in ("common", "tools"):
        for base, subdirs, files in os.walk(os.path.join(ROOT, top)):
            subdirs[:] = [s for s in subdirs if s not in ("node_modules", "web")]
            for f in files:
                if f.endswith((".h", ".cc")) and not f.endswith("_test.cc"):
                    rel = os.path.relpath(os.path.join(base, f), ROOT)
                    if not rel.startswith(ALLOWED):
                        yield rel


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def check(path, errors):
    with open(os.path.join(ROOT, path), encoding="utf-8", errors="replace") as f:
        text = strip_comments(f.read())
    names = set(DOCUMENT_VAR.findall(text))
    calls = re.compile(r"\b(%s)\s*(?:\.|->)\s*(?:template\s+)?(Parse|ParseStream|ParseInsitu)\s*[<(]"
                       % "|".join(map(re.escape, names))) if names else None
    for n, line in enumerate(text.split("\n"), 1):
        m = ALWAYS.search(line) or (calls.search(line) if calls else None)
        if m:
            errors.append(f"{path}:{n}: parses JSON directly ({m.group(0).strip()}); "
                          "use json::Parse / json::ParseLine (common/json/json_parse.h)")


def main():
    errors = []
    count = 0
    for path in sources():
        count += 1
        check(path, errors)
    for e in errors:
        print(e)
    if count == 0:
        sys.exit("json_entry_test: no sources found under " + ROOT)
    print(f"json_entry_test: {count} files, {len(errors)} violations")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
