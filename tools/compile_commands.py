#!/usr/bin/env python3
"""Writes compile_commands.json for clang-tidy from Bazel's action graph.

Runs `bazel aquery` for every C++ compile action of the project's own
targets and records each command with the workspace as its directory, so
clang tools see exactly the flags Bazel compiles with.
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GCC_ONLY_FLAGS = {"-fno-canonical-system-headers", "-Wno-free-nonheap-object",
                  "-Wunused-but-set-parameter"}
OWN_DIRS = ("common/", "plugins/", "server/", "worker/", "tools/", "tests/",
            "proto/")


def bazel(*args):
    return subprocess.run(["bazel", *args], cwd=ROOT, check=True,
                          stdout=subprocess.PIPE, text=True).stdout


def main():
    graph = json.loads(bazel(
        "aquery", "--output=jsonproto", "--ui_event_filters=-info",
        'mnemonic("CppCompile", //...)'))
    # Generated headers live under the output path. Name it absolutely: the
    # workspace's bazel-out symlink follows whichever output base ran last.
    out = bazel("info", "output_path").strip()
    generated = re.compile(r"^(-I|-iquote|-isystem|)bazel-out/")
    commands = []
    for action in graph.get("actions", []):
        args = action["arguments"]
        try:
            src = args[args.index("-c") + 1]
        except (ValueError, IndexError):
            continue
        if not src.startswith(OWN_DIRS) or ".pb." in src:
            continue
        # gcc-only flags clang would reject.
        args = [generated.sub(lambda m: m.group(1) + out + "/", a)
                for a in args if a not in GCC_ONLY_FLAGS]
        # Run from the workspace, so sources resolve without the execroot
        # symlink forest.
        commands.append({"directory": ROOT, "file": src,
                         "arguments": args})
    with open(os.path.join(ROOT, "compile_commands.json"), "w") as f:
        json.dump(commands, f, indent=1)
    print(f"compile_commands.json: {len(commands)} sources", file=sys.stderr)


if __name__ == "__main__":
    main()
