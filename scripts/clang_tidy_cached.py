#!/usr/bin/env python3
"""Runs clang-tidy on the given translation units, skipping those it already passed unchanged.

    clang_tidy_cached.py BUILD_DIR FILE.cc...

A unit is "unchanged" when its key is: the clang-tidy version, .clang-tidy, the unit's compile
command and its preprocessed source (every header it includes, the system's too), with the
checkout's own path taken out so that a fresh clone elsewhere hits the same entries. A unit that
passes leaves an empty file named by its key in the cache (SWHA_TIDY_CACHE, default
~/.cache/swha-tts/clang-tidy); a failing one leaves nothing and prints its diagnostics. Like
ccache, this only saves time: with an empty cache every unit is checked.
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


def preprocess_command(entry):
    """The unit's own compile command, made to print its preprocessed source on stdout."""
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
    return out + ["-E", "-P", "-o", "-"]


# The static analyzer (clang-analyzer-*) costs three quarters of the time on a test unit, where
# gtest's macros give it the most paths to walk and the least to find; test code gets every other
# check, and runs under ASan/UBSan besides (scripts/sanitize.sh). The code that ships keeps it.
TEST_UNIT = re.compile(r"(_test\.cc$|^(tests|bench|fuzz)/)")
TEST_UNIT_ARGS = ["--checks=-clang-analyzer-*"]


def extra_args(unit, source_root):
    return TEST_UNIT_ARGS if TEST_UNIT.search(os.path.relpath(unit, source_root)) else []


def unit_key(entry, source_root, common, extra):
    pre = subprocess.run(preprocess_command(entry), cwd=entry["directory"],
                         capture_output=True, check=False)
    if pre.returncode != 0:
        return None  # let clang-tidy report the error
    digest = hashlib.sha256(common)
    digest.update(" ".join(extra).encode())
    root = source_root.encode()
    digest.update(entry.get("command", " ".join(entry.get("arguments", []))).replace(
        source_root, "<root>").encode())
    digest.update(entry["file"].replace(source_root, "<root>").encode())
    digest.update(pre.stdout.replace(root, b"<root>"))
    return digest.hexdigest()


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    build_dir = os.path.abspath(sys.argv[1])
    source_root = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
    units = [os.path.abspath(f) for f in sys.argv[2:]]
    with open(os.path.join(build_dir, "compile_commands.json"), encoding="utf-8") as f:
        commands = {os.path.abspath(e["file"]): e for e in json.load(f)}
    version = subprocess.run(["clang-tidy", "--version"], capture_output=True, check=True).stdout
    with open(os.path.join(source_root, ".clang-tidy"), "rb") as f:
        common = version + f.read()
    cache = cache_dir()
    os.makedirs(cache, exist_ok=True)
    jobs = os.cpu_count() or 2

    def check(unit):
        entry = commands.get(unit)
        extra = extra_args(unit, source_root)
        key = unit_key(entry, source_root, common, extra) if entry else None
        if key and os.path.exists(os.path.join(cache, key)):
            return unit, True, True, ""
        run = subprocess.run(["clang-tidy", "-p", build_dir, "--quiet", "--warnings-as-errors=*",
                              *extra, unit], capture_output=True, text=True, check=False)
        passed = run.returncode == 0
        if passed and key:
            open(os.path.join(cache, key), "w", encoding="utf-8").close()
        return unit, passed, False, run.stdout + ("" if passed else run.stderr)

    failed, cached = [], 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for unit, passed, was_cached, output in pool.map(check, units):
            cached += was_cached
            if not passed:
                failed.append(unit)
                sys.stdout.write(output)
    print(f"clang-tidy: {len(units) - len(failed)}/{len(units)} files clean "
          f"({cached} unchanged since a clean run, cache {cache})")
    if failed:
        print("clang-tidy: failed: " + " ".join(os.path.relpath(u, source_root) for u in failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
