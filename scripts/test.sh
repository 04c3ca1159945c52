#!/usr/bin/env bash
# Install what the tests need, then run them all. This is the README's test command and
# what CI runs. Safe to run repeatedly: installs are skipped when already present.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the real registry the resolver tests talk to, and skopeo to cross-check.
if [ -x scripts/test-deps.sh ]; then
  scripts/test-deps.sh
fi

echo "== cargo fmt / clippy"
cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings

echo "== cargo test"
cargo test --all-targets

# The corpus of real files lives beside the project when it is present (not on every machine).
CORPUS="${WINFIT_CORPUS:-../shared/corpus}"
if [ -d "$CORPUS" ]; then
  cargo build --quiet
  echo "== corpus: no panic, no hang, no exit 2"
  scripts/corpus-check.sh target/debug/winfit "$CORPUS"
  if [ -f scripts/buildkit-oracle.py ]; then
    echo "== corpus: FROM references agree with BuildKit's parser"
    python3 -m pip install --quiet --disable-pip-version-check dockerfile
    python3 scripts/buildkit-oracle.py target/debug/winfit "$CORPUS/dockerfiles" "$CORPUS/dockerfiles-linux"
  fi
fi
