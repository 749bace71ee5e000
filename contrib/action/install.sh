#!/usr/bin/env bash
# Installs the released scim-conformance binary for this runner into a folder on PATH, verifying
# its SHA-256 checksum. Used by action.yml; env: VERSION (a tag, empty or a branch: the latest
# release), REPO (owner/name), GH_TOKEN (for the GitHub API's rate limit).
set -euo pipefail
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) target=x86_64-unknown-linux-musl; ext=tar.gz ;;
  Linux-aarch64 | Linux-arm64) target=aarch64-unknown-linux-musl; ext=tar.gz ;;
  Darwin-x86_64) target=x86_64-apple-darwin; ext=tar.gz ;;
  Darwin-arm64) target=aarch64-apple-darwin; ext=tar.gz ;;
  MINGW* | MSYS* | CYGWIN*) target=x86_64-pc-windows-msvc; ext=zip ;;
  *) echo "scim-conformance: no release binary for $(uname -s) $(uname -m)" >&2; exit 1 ;;
esac
if [[ ! "${VERSION:-}" =~ ^v[0-9] ]]; then
  VERSION=$(curl -fsSL -H "Authorization: Bearer ${GH_TOKEN:-}" \
    "https://api.github.com/repos/$REPO/releases/latest" | sed -n 's/.*"tag_name": *"\([^"]*\)".*/\1/p' | head -1)
fi
base="https://github.com/$REPO/releases/download/$VERSION/scim-conformance-$target"
dir="${RUNNER_TEMP:-/tmp}/scim-conformance-bin"
mkdir -p "$dir"
curl -fsSL -o "$dir/archive.$ext" "$base.$ext"
curl -fsSL -o "$dir/archive.sha256" "$base.sha256"
want=$(cut -d' ' -f1 "$dir/archive.sha256")
got=$( (sha256sum "$dir/archive.$ext" 2>/dev/null || shasum -a 256 "$dir/archive.$ext") | cut -d' ' -f1)
if [ "$want" != "$got" ]; then echo "scim-conformance: checksum mismatch for $base.$ext" >&2; exit 1; fi
if [ "$ext" = zip ]; then unzip -q -o "$dir/archive.zip" -d "$dir"; else tar -xzf "$dir/archive.tar.gz" -C "$dir"; fi
echo "$dir" >> "${GITHUB_PATH:-/dev/null}"
"$dir/scim-conformance" --version
