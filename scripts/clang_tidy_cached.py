#!/usr/bin/env python3
"""Runs clang-tidy on the given translation units, skipping those it already passed unchanged.

    clang_tidy_cached.py [--record] BUILD_DIR FILE.cc...

A unit is "unchanged" when its key is: the clang-tidy version, .clang-tidy, the unit's compile
command, the names of every file it includes, and the contents of those that are ours (system
headers, under /usr/, are named but not read: see SYSTEM_PREFIX), with the checkout's own path
taken out so that a fresh clone elsewhere hits the same entries. A unit that passes leaves an
empty file named by its key in the cache (SWHA_TIDY_CACHE, default ~/.cache/swha-tts/clang-tidy);
a failing one leaves nothing and prints its diagnostics.

The keys of the last full clean run are also checked in (scripts/clang-tidy-passed.txt), so a
fresh clone (CI) checks only the units that changed since; --record rewrites that list with the
keys of the given units, once every one of them passed. Like ccache, both only save time: a
changed unit, header of ours, include, flag, check or clang-tidy misses, and SWHA_TIDY_FRESH=1
ignores both and checks every unit.
"""

import concurrent.futures
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys


def cache_dir():
    explicit = os.environ.get("SWHA_TIDY_CACHE")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "swha-tts", "clang-tidy")


def dependency_command(entry):
    """The unit's own compile command, made to list every file it includes on stdout."""
    args = entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])
    out = []
    skip_next = False
    for arg in args:
        if skip_next:
            skip_next = False
            continue
        if arg in ("-o", "-c"):
            skip_next = arg == "-o"
            continue
        out.append(arg)
    return out + ["-M"]


# System headers are named in a key, not read: a Debian update that respaces a declaration in
# OpenSSL's headers (as 3.0.19 -> 3.0.22 did) would otherwise miss every unit at once, and
# clang-tidy's findings are about our own code (HeaderFilterRegex), which is read whole.
SYSTEM_PREFIX = "/usr/"


# The static analyzer (clang-analyzer-*) costs three quarters of the time on a test unit, where
# gtest's macros give it the most paths to walk and the least to find; test code gets every other
# check, and runs under ASan/UBSan besides (scripts/sanitize.sh). The code that ships keeps it.
TEST_UNIT = re.compile(r"(_test\.cc$|^(tests|bench|fuzz)/)")
TEST_UNIT_ARGS = ["--checks=-clang-analyzer-*"]


def extra_args(unit, source_root):
    return TEST_UNIT_ARGS if TEST_UNIT.search(os.path.relpath(unit, source_root)) else []


def unit_key(entry, source_root, common, extra):
    deps = subprocess.run(dependency_command(entry), cwd=entry["directory"],
                          capture_output=True, text=True, check=False)
    if deps.returncode != 0:
        return None  # let clang-tidy report the error
    # "unit.o: a.cc b.h \" lines: every file the unit reads, the unit first.
    files = deps.stdout.replace("\\\n", " ").split()[1:]
    digest = hashlib.sha256(common)
    digest.update(" ".join(extra).encode())
    digest.update(entry.get("command", " ".join(entry.get("arguments", []))).replace(
        source_root, "<root>").encode())
    digest.update(entry["file"].replace(source_root, "<root>").encode())
    for path in files:
        full = os.path.normpath(os.path.join(entry["directory"], path))
        digest.update(b"\0" + full.replace(source_root, "<root>").encode() + b"\0")
        if not full.startswith(SYSTEM_PREFIX):
            with open(full, "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()


def read_passed_list(path):
    try:
        with open(path, encoding="utf-8") as f:
            return {line.strip() for line in f if line.strip() and not line.startswith("#")}
    except FileNotFoundError:
        return set()


def write_passed_list(path, keys):
    with open(path + ".new", "w", encoding="utf-8") as f:
        f.write("# clang-tidy keys of the last full clean run: scripts/lint.sh tidy-record\n")
        f.writelines(key + "\n" for key in sorted(keys))
    os.replace(path + ".new", path)


def main():
    args = sys.argv[1:]
    record = bool(args) and args[0] == "--record"
    if record:
        args = args[1:]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    build_dir = os.path.abspath(args[0])
    source_root = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
    units = [os.path.abspath(f) for f in args[1:]]
    with open(os.path.join(build_dir, "compile_commands.json"), encoding="utf-8") as f:
        commands = {os.path.abspath(e["file"]): e for e in json.load(f)}
    version = subprocess.run(["clang-tidy", "--version"], capture_output=True, check=True).stdout
    with open(os.path.join(source_root, ".clang-tidy"), "rb") as f:
        common = version + f.read()
    cache = cache_dir()
    os.makedirs(cache, exist_ok=True)
    passed_list_path = os.path.join(source_root, "scripts", "clang-tidy-passed.txt")
    fresh = os.environ.get("SWHA_TIDY_FRESH") == "1"
    passed_before = set() if fresh else read_passed_list(passed_list_path)
    jobs = os.cpu_count() or 2

    def check(unit):
        entry = commands.get(unit)
        extra = extra_args(unit, source_root)
        key = unit_key(entry, source_root, common, extra) if entry else None
        if key and not fresh and (key in passed_before or
                                  os.path.exists(os.path.join(cache, key))):
            return unit, key, True, True, ""
        run = subprocess.run(["clang-tidy", "-p", build_dir, "--quiet", "--warnings-as-errors=*",
                              *extra, unit], capture_output=True, text=True, check=False)
        passed = run.returncode == 0
        if passed and key:
            open(os.path.join(cache, key), "w", encoding="utf-8").close()
        return unit, key, passed, False, run.stdout + ("" if passed else run.stderr)

    failed, cached, keys = [], 0, set()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for unit, key, passed, was_cached, output in pool.map(check, units):
            cached += was_cached
            if key:
                keys.add(key)
            if not passed:
                failed.append(unit)
                sys.stdout.write(output)
    print(f"clang-tidy: {len(units) - len(failed)}/{len(units)} files clean "
          f"({cached} unchanged since a clean run, cache {cache})")
    if failed:
        print("clang-tidy: failed: " + " ".join(os.path.relpath(u, source_root) for u in failed))
        return 1
    if record:
        write_passed_list(passed_list_path, keys)
        print(f"clang-tidy: recorded {len(keys)} keys in "
              f"{os.path.relpath(passed_list_path, source_root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
