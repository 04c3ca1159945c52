#!/usr/bin/env bash
# Install what the registry tests need, idempotently: Debian's docker-registry (the CNCF
# distribution registry), skopeo (independent client, benchmark baseline) and apache2-utils
# (htpasswd with bcrypt for the basic-auth test). Runs `apt-get update` only when a package
# is missing and apt has no candidate for it.
set -euo pipefail

need=()
command -v docker-registry >/dev/null 2>&1 || [ -x /usr/bin/docker-registry ] || need+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || need+=(skopeo)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)

if [ ${#need[@]} -eq 0 ]; then
  echo "test-deps: docker-registry, skopeo, htpasswd already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

have_candidates=1
for p in "${need[@]}"; do
  cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
  if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then have_candidates=0; fi
done
if [ "$have_candidates" -eq 0 ]; then
  $SUDO apt-get update -qq
fi
echo "test-deps: installing ${need[*]}"
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "test-deps: done"
