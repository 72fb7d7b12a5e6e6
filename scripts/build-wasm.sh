#!/usr/bin/env bash
# Builds simdnet's two WebAssembly modules from crates/wasm:
#   wasm/simdnet-simd.wasm    with simd128 (the default module)
#   wasm/simdnet-scalar.wasm  without it (for engines that lack SIMD)
#
# Toolchain, in order of preference:
#   1. Debian's rustc/cargo 1.63 with libstd-rust-dev-wasm32 (pinned by absolute path,
#      since a rustup rustc earlier on PATH has no wasm32 std). It comes first because the
#      committed modules are built with it and CI checks them byte for byte;
#   2. the user's rustup toolchain, when it has the wasm32-unknown-unknown target (its
#      modules work the same but differ in bytes: do not commit them);
#   otherwise it stops with the packages to install.
#
# --if-available: when no toolchain is found but both modules are already in wasm/,
# keep them and say so instead of failing (a fresh checkout ships built modules; CI
# rebuilds them and checks they match the sources byte for byte).
set -euo pipefail
cd "$(dirname "$0")/.."

if_available=false
[ "${1:-}" = "--if-available" ] && if_available=true

# A RUSTFLAGS variable would replace .cargo/config.toml's flags and drop +simd128.
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS RUSTUP_TOOLCHAIN CARGO_BUILD_TARGET

cargo_cmd=()
if [ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ] && [ -d /usr/lib/rustlib/wasm32-unknown-unknown ]; then
  export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
  cargo_cmd=(/usr/bin/cargo)
  toolchain="Debian ($(/usr/bin/rustc --version))"
elif command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  cargo_cmd=(cargo)
  toolchain="rustup ($(rustc --version))"
else
  if $if_available && [ -f wasm/simdnet-simd.wasm ] && [ -f wasm/simdnet-scalar.wasm ]; then
    echo "build-wasm: no Rust wasm32 toolchain found; using the prebuilt modules in wasm/." >&2
    exit 0
  fi
  cat >&2 <<'MSG'
build-wasm: no Rust toolchain with the wasm32-unknown-unknown target was found.
Install one of:
  Debian/Ubuntu:  apt-get install -y --no-install-recommends rustc cargo libstd-rust-dev-wasm32 lld
  rustup:         rustup target add wasm32-unknown-unknown
MSG
  exit 1
fi

target=wasm32-unknown-unknown
common=(build --quiet --offline --locked --release --target "$target" -p simdnet-wasm)

# SIMD: flags come from .cargo/config.toml (simd128 and bulk-memory).
"${cargo_cmd[@]}" "${common[@]}" --target-dir target/wasm-simd
# Scalar: the same stack size, simd128 explicitly off and no bulk-memory, for engines
# older than wasm SIMD (0x1f separates encoded flags).
CARGO_ENCODED_RUSTFLAGS=$(printf -- '-C\x1ftarget-feature=-simd128\x1f-C\x1flink-arg=-zstack-size=1048576') \
  "${cargo_cmd[@]}" "${common[@]}" --target-dir target/wasm-scalar

mkdir -p wasm
cp "target/wasm-simd/$target/release/simdnet_wasm.wasm" wasm/simdnet-simd.wasm
cp "target/wasm-scalar/$target/release/simdnet_wasm.wasm" wasm/simdnet-scalar.wasm
echo "build-wasm: built with $toolchain:" \
  "simd $(wc -c < wasm/simdnet-simd.wasm) bytes, scalar $(wc -c < wasm/simdnet-scalar.wasm) bytes"
