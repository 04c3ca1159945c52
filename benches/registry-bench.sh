#!/usr/bin/env bash
# Resolve 200 distinct references through a proxy adding 20 ms per request: cold, warm,
# past-TTL and single-job runs, and skopeo one by one as a baseline. Needs scripts/test-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-deps.sh
cargo test --test registry_bench -- --ignored --nocapture 2>&1 | grep -vE '^(running|test |$)'
