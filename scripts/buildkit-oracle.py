#!/usr/bin/env python3
"""Compare winfit's FROM references with BuildKit's own Dockerfile parser.

Usage: scripts/buildkit-oracle.py WINFIT_BIN [FILE_OR_DIR ...]
       (default paths: ../shared/corpus/dockerfiles ../shared/corpus/dockerfiles-linux)

Needs `pip install dockerfile` (a Python wrapper of BuildKit's Go parser). For every file
BuildKit's parser accepts, the FROM instructions it sees (raw image word and start line,
minus `scratch` and earlier stage names, which winfit does not report as images) are compared
with the `context == "from"` references of `winfit lint --offline --format json`.
Each file is copied to a temporary directory as `Dockerfile` so that winfit's file-kind
detection sees a Dockerfile whatever the corpus name. Exit status 1 when anything differs.
"""
import json
import re
import os
import shutil
import subprocess
import sys
import tempfile

import dockerfile  # pip install dockerfile

DEFAULT_DIRS = ["../shared/corpus/dockerfiles", "../shared/corpus/dockerfiles-linux"]
BATCH = 40


# BuildKit's parser accepts any instruction word; its instruction layer (instructions.Parse)
# then rejects unknown ones and malformed FROMs. The Python wrapper only wraps the parser, so
# that layer's checks are repeated here.
KNOWN = {
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
}


def buildkit_froms(path):
    """([(line, raw)] sure images, [(line, raw)] maybe-stage words) per BuildKit, or
    (None, why) when BuildKit rejects the file."""
    try:
        cmds = dockerfile.parse_file(path)
    except Exception as e:  # GoParseError, decoding errors
        return None, (str(e).splitlines() or [type(e).__name__])[0]
    for c in cmds:
        if c.cmd.upper() not in KNOWN:
            return None, f"line {c.start_line}: unknown instruction: {c.cmd}"
        if c.cmd.upper() == "FROM" and not (
            len(c.value) == 1 or (len(c.value) == 3 and c.value[1].upper() == "AS")
        ):
            return None, f"line {c.start_line}: FROM requires either one or three arguments"
    if not any(c.cmd.upper() == "FROM" for c in cmds):
        return None, "no FROM instruction"
    stages = []
    sure, maybe = [], []
    for c in cmds:
        if c.cmd.upper() != "FROM":
            continue
        raw = c.value[0]
        low = raw.lower()
        if low != "scratch" and low not in stages:
            # `FROM stage-${TARGETOS}`: an earlier stage after expansion, which only an
            # expander can tell; accepted either way.
            pattern = re.sub(r"\$\{[^}]*\}|\$\w+", "\x00", low)
            rx = ".*".join(re.escape(part) for part in pattern.split("\x00"))
            if "\x00" in pattern and any(re.fullmatch(rx, st) for st in stages):
                maybe.append((c.start_line, raw))
            else:
                sure.append((c.start_line, raw))
        if len(c.value) == 3:
            stages.append(c.value[2].lower())
    return (sure, maybe), None


def run_winfit(binary, files):
    """{copied path: ([(line, raw)], [findings])} from one CLI run over `files`."""
    proc = subprocess.run(
        [binary, "lint", "--offline", "--format", "json", *files],
        capture_output=True,
        text=True,
    )
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"winfit did not print JSON (exit {proc.returncode}): {proc.stderr[:500]}")
    result = {f: ([], []) for f in files}
    for r in doc.get("references", []):
        if r.get("context") != "from":
            continue
        key = match_file(r.get("file", ""), files)
        if key:
            result[key][0].append((r["line"], r["raw"]))
    for f in doc.get("findings", []):
        key = match_file(f.get("file", ""), files)
        if key:
            result[key][1].append(f)
    return result


def match_file(reported, files):
    for f in files:
        if reported == f or os.path.abspath(reported) == os.path.abspath(f) or f.endswith("/" + reported):
            return f
    return None


def collect(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            out += sorted(os.path.join(p, n) for n in os.listdir(p) if os.path.isfile(os.path.join(p, n)))
        else:
            out.append(p)
    return out


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    binary = sys.argv[1]
    sources = collect(sys.argv[2:] or [d for d in DEFAULT_DIRS if os.path.isdir(d)])
    tmp = tempfile.mkdtemp(prefix="winfit-oracle-")
    try:
        expected, copies, rejected = {}, {}, []
        for i, src in enumerate(sources):
            froms, why = buildkit_froms(src)
            if froms is None:
                rejected.append((src, why))
                continue
            d = os.path.join(tmp, str(i))
            os.mkdir(d)
            dst = os.path.join(d, "Dockerfile")
            shutil.copyfile(src, dst)
            expected[dst] = froms
            copies[dst] = src
        got = {}
        dsts = list(expected)
        for k in range(0, len(dsts), BATCH):
            got.update(run_winfit(binary, dsts[k : k + BATCH]))
        mismatches = 0
        compared_refs = 0
        maybe_total = 0
        for dst, (want, maybe) in expected.items():
            have, findings = got.get(dst, ([], []))
            compared_refs += len(want)
            maybe_total += len(maybe)
            have = [h for h in have if h not in maybe]
            if sorted(have) != sorted(want):
                mismatches += 1
                name = os.path.basename(copies[dst])
                print(f"MISMATCH {name}")
                print(f"  buildkit: {want}")
                print(f"  winfit:   {sorted(have)}")
                for f in findings:
                    if f.get("rule") in ("WF000", "WF010"):
                        print(f"  {f['rule']} line {f.get('line')}: {f.get('message', '')[:160]}")
        print(
            f"files: {len(sources)}; BuildKit rejects {len(rejected)}; compared {len(expected)} files "
            f"({compared_refs} FROM images, {maybe_total} more that may name a stage after expansion); "
            f"agree {len(expected) - mismatches}; mismatch {mismatches}"
        )
        for src, why in rejected:
            print(f"  buildkit rejects {os.path.basename(src)}: {why[:120]}")
        return 1 if mismatches else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
