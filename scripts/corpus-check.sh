#!/usr/bin/env bash
# Run `winfit lint --offline` over every file of a corpus, one file at a time, and fail if any
# file makes it panic, hang (over 20 s) or exit 2 (a run failure, not a finding).
set -uo pipefail
bin="$1"; corpus="$2"
checked=0; bad=0
while IFS= read -r -d '' f; do
  checked=$((checked + 1))
  timeout 20 "$bin" lint --offline --format json "$f" >/dev/null 2>/tmp/winfit-corpus-err.txt
  rc=$?
  if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
    bad=$((bad + 1))
    echo "FAIL (exit $rc): $f"; head -5 /tmp/winfit-corpus-err.txt
  fi
done < <(find "$corpus" -type f -print0 | sort -z)
echo "corpus: $checked files, $bad failures"
[ $bad -eq 0 ]
