#!/usr/bin/env bash
# Benchmark: lint the corpus replicated to at least 10,000 files; print files/s and peak RSS.
# Usage: scripts/bench-lint.sh [CORPUS_DIR] [MIN_FILES]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-../shared/corpus}"
min_files="${2:-10000}"
cargo build --release --quiet
bin=target/release/winfit
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Only the files winfit reads (Dockerfiles, compose, Kubernetes, Swarm); names are kept so
# discovery classifies them as it would in a repository.
mapfile -d '' src < <(find "$corpus/dockerfiles" "$corpus/dockerfiles-linux" "$corpus/compose" \
  "$corpus/swarm" "$corpus/k8s" -type f -print0 2>/dev/null)
[ ${#src[@]} -gt 0 ] || { echo "no corpus files under $corpus"; exit 1; }
copies=$(( (min_files + ${#src[@]} - 1) / ${#src[@]} ))
for ((i = 0; i < copies; i++)); do
  d="$work/copy$i"; mkdir -p "$d"
  for f in "${src[@]}"; do
    b="$(basename "$f")"
    case "$b" in
      *.yml|*.yaml) name="$b" ;;
      *) name="$b.Dockerfile" ;;   # corpus names carry @commit suffixes; make them Dockerfile names
    esac
    cp "$f" "$d/$name"
  done
done
total=$(find "$work" -type f | wc -l)
echo "files: $total (corpus of ${#src[@]} replicated $copies times)"

/usr/bin/time -f '%e %M' -o "$work.time" "$bin" lint --offline --format json "$work" >"$work.json" || true
read -r secs rss_kb < <(tail -n 1 "$work.time")
refs=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["summary"]["references"], d["summary"]["files"])' "$work.json")
rm -f "$work.time" "$work.json"
python3 - "$total" "$secs" "$rss_kb" $refs <<'PY'
import sys
total, secs, rss_kb, refs = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
print(f"wall: {secs:.2f} s   files/s: {total / max(secs, 1e-9):,.0f}   peak RSS: {rss_kb / 1024:.1f} MiB")
print(f"references found / files read: {refs[0]} / {refs[1]}")
PY
