#!/usr/bin/env python3
"""The architecture as a test: every #include "common/..." must follow an
arrow of the library table in common/CMakeLists.txt (trace_library(NAME DEPS
...)), transitively; third-party headers appear only in the library that
wraps them (tests excepted: they may play a corrupt disk behind it); a tool includes only the libraries it links (tools/CMakeLists.txt
and tools/*/CMakeLists.txt) and never another tool's files.

Usage: layering_test.py [SOURCE_DIR]. Prints each violation and exits 1."""
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))

# Third-party headers and the only places allowed to include them (path
# prefixes relative to ROOT). Anything under tests/ may use gtest.
WRAPPED = {
    "zmq": ["common/wire/wire.cc"],               # <zmq.h>, <zmq.hpp>
    "lmdb.h": ["common/store/"],
    "Poco/": ["common/http/"],
    "boost/": ["common/cli/"],
    "zlib.h": ["common/http/body_decoding.cc"],
    "zstd.h": ["common/store/event_codec.cc"],
    "zdict.h": ["common/store/event_codec.cc"],
    "google/protobuf/": ["common/otlp/"],
    "opentelemetry/proto/": ["common/otlp/"],  # the generated messages
    "google/rpc/": ["common/otlp/"],
}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def library_table():
    text = read(os.path.join(ROOT, "common", "CMakeLists.txt"))
    table = {}
    for m in re.finditer(r"^trace_library\((\w+)([^)]*)\)", text, re.M):
        name, rest = m.group(1), m.group(2)
        deps = re.search(r"DEPS((?:\s+trace_\w+)+)", rest)
        table[name] = [d[len("trace_"):] for d in deps.group(1).split()] if deps else []
    if not table:
        sys.exit("layering_test: no trace_library() calls in common/CMakeLists.txt")
    return table


def closure(table, name, seen=None):
    seen = set() if seen is None else seen
    for d in table.get(name, []):
        if d not in seen:
            seen.add(d)
            closure(table, d, seen)
    return seen


def tool_links():
    links = {}
    text = read(os.path.join(ROOT, "tools", "CMakeLists.txt"))
    for m in re.finditer(r"^set\(([\w-]+)_LIBS((?:\s+trace_\w+)+)\)", text, re.M):
        links[m.group(1)] = [d[len("trace_"):] for d in m.group(2).split()]
    for tool in os.listdir(os.path.join(ROOT, "tools")):
        cm = os.path.join(ROOT, "tools", tool, "CMakeLists.txt")
        if os.path.exists(cm):
            m = re.search(rf"target_link_libraries\({re.escape(tool)}\s+PRIVATE((?:\s+trace_\w+)+)", read(cm))
            links[tool] = [d[len("trace_"):] for d in m.group(1).split()] if m else []
    return links


def sources(*dirs):
    for d in dirs:
        for base, subdirs, files in os.walk(os.path.join(ROOT, d)):
            subdirs[:] = [s for s in subdirs if s not in ("node_modules", "web")]
            for f in files:
                if f.endswith((".h", ".cc", ".in")):
                    yield os.path.relpath(os.path.join(base, f), ROOT)


def check_wrapped(path, header, errors):
    if path.endswith("_test.cc"):
        return  # a test may go behind an adapter to play a corrupt disk or a broken peer
    for key, allowed in WRAPPED.items():
        if header.startswith(key) and not any(path.startswith(a) for a in allowed):
            errors.append(f"{path}: includes <{header}>, which only {', '.join(allowed)} may")


def main():
    table = library_table()
    reach = {lib: closure(table, lib) | {lib} for lib in table}
    links = tool_links()
    errors = []
    for path in sources("common", "tools", "tests"):
        parts = path.split(os.sep)
        if parts[0] == "common" and len(parts) < 3:
            errors.append(f"{path}: a file of common/ outside the concept folders")
            continue
        if parts[0] == "common":
            allowed, owner = reach.get(parts[1]), f"library {parts[1]}"
            if allowed is None:
                errors.append(f"{path}: folder common/{parts[1]} has no trace_library() in common/CMakeLists.txt")
                continue
        elif parts[0] == "tools":
            tool = parts[1]
            allowed = set().union(*(reach[lib] for lib in links.get(tool, []) if lib in reach))
            owner = f"tool {tool} (links {', '.join(links.get(tool, [])) or 'nothing'})"
        else:
            allowed, owner = None, None  # tests and benchmarks may use any library
        for kind, header in INCLUDE.findall(read(os.path.join(ROOT, path))):
            if kind == "<":
                check_wrapped(path, header, errors)
                continue
            hp = header.split("/")
            if hp[0] == "common" and len(hp) >= 3:
                if allowed is not None and hp[1] not in allowed:
                    errors.append(f"{path}: includes {header}, but {owner} may not depend on {hp[1]}")
            elif hp[0] == "common":
                errors.append(f"{path}: includes {header}, which is not in a concept folder")
            elif hp[0] == "tools" or (parts[0] == "tools" and "/" in header):
                errors.append(f"{path}: includes {header}: no code includes a tool's files")
    for e in errors:
        print(e)
    checked = sum(1 for _ in sources("common", "tools", "tests"))
    print(f"layering: {checked} files, {len(table)} libraries, {len(errors)} violations")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
