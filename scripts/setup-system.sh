#!/usr/bin/env bash
# The Debian packages some test tiers use, installed when missing (root, or sudo without a password):
#   chromium                   the dashboard's browser tests (driven by playwright-core, never a downloaded browser)
#   prometheus                 one real Prometheus per test cluster for the metrics tests and `meshctl demo`
#   podman runc uidmap          building and running the Mesh Hub image (`npm run image`); runc because
#   fuse-overlayfs slirp4netns  crun fails on hybrid cgroups
# Everything else (Node 24, the Kubernetes test environment, Helm) the project builds or installs itself.
set -euo pipefail
packages=(chromium prometheus podman runc uidmap fuse-overlayfs slirp4netns)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "== system packages: all present (${packages[*]})"
  exit 0
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo -n); fi
echo "== system packages: installing ${missing[*]}"
start=$(date +%s)
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
echo "== system packages: installed in $(( $(date +%s) - start )) s"
