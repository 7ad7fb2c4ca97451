#!/usr/bin/env bash
# Instructions per 784->32 encode (mnist-dense spec, batch 1), float and int8, on
# Cortex-M4 (and per whole int8 score and denoise, and per step of the on-device sparse training) and on aarch64 / armv7 (library kernels, and the exported int8 C header),
# counted by QEMU with platforms/insncount.c.
# Each program runs twice, with 1 and with 1 + 10 encodes of the same input; the
# difference / 10 is one encode without setup: float, Network::encode (input check, GEMV,
# bias, ReLU); int8, float -> uint8 input quantization and the integer encode.
# Counts are exact and repeatable (same binary, same count), but they are instructions,
# not cycles: QEMU models no pipeline, caches or flash wait states.
#   platforms/insncount.sh [m4] [m7] [aarch64] [armv7]     (default: m4 aarch64)
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(m4 aarch64)
extra=10
mkdir -p build/insncount
plugin=$PWD/build/insncount/libinsncount.so
if [ ! -f "$plugin" ] || [ platforms/insncount.c -nt "$plugin" ]; then
  gcc -O2 -shared -fPIC -fvisibility=hidden -o "$plugin" platforms/insncount.c
fi

count() {  # count <qemu and arguments...> -- prints the guest instruction count
  # In $dir: the training firmware opens its data file by a name relative to it.
  (cd "$dir" && "$@") 2>&1 >/dev/null | awk '/^insns:/ { print $2 }'
}
per_encode() {  # per_encode <label> <count with 1 encode> <count with 1+extra>
  printf "%-38s %10d instructions per encode   (runs: %d and %d)\n" "$1" \
    $((($3 - $2) / extra)) "$2" "$3"
}

for t in "${targets[@]}"; do
  case "$t" in
    m4|m7)
      preset="cortex-$t"
      board=$([ "$t" = m4 ] && echo mps2-an386 || echo mps2-an500)
      cmake --preset "$preset" >/dev/null
      cmake --build --preset "$preset" -j 2 --target tinyae_fw_encode tinyae_fw_encode_x11 \
        tinyae_fw_encode_int8 tinyae_fw_encode_int8_x11 tinyae_fw_train_sparse_e1 \
        tinyae_fw_train_sparse_e2 tinyae_fw_score_int8 tinyae_fw_score_int8_x11 \
        tinyae_fw_denoise_int8 tinyae_fw_denoise_int8_x11 >/dev/null
      q=(qemu-system-arm -M "$board" -nographic -semihosting-config enable=on,target=native
         -plugin "$plugin" -d plugin -kernel)
      dir="$PWD/build/$preset/platforms/cortex-m"
      a=$(count "${q[@]}" "$dir/tinyae_fw_encode.elf")
      b=$(count "${q[@]}" "$dir/tinyae_fw_encode_x11.elf")
      per_encode "Cortex-${t^^} float (scalar, -Os)" "$a" "$b"
      a=$(count "${q[@]}" "$dir/tinyae_fw_encode_int8.elf")
      b=$(count "${q[@]}" "$dir/tinyae_fw_encode_int8_x11.elf")
      per_encode "Cortex-${t^^} int8 (C header, -Os)" "$a" "$b"
      # The whole int8 autoencoder from uint8 pixels: _score is encode + decode + the
      # exact sum of squares; the denoiser's _reconstruct is mnist-conv's whole network.
      a=$(count "${q[@]}" "$dir/tinyae_fw_score_int8.elf")
      b=$(count "${q[@]}" "$dir/tinyae_fw_score_int8_x11.elf")
      printf "%-38s %10d instructions per score (runs: %d and %d)\n" \
        "Cortex-${t^^} int8 784-32-784 score" $(((b - a) / extra)) "$a" "$b"
      a=$(count "${q[@]}" "$dir/tinyae_fw_denoise_int8.elf")
      b=$(count "${q[@]}" "$dir/tinyae_fw_denoise_int8_x11.elf")
      printf "%-38s %10d instructions per denoise (runs: %d and %d)\n" \
        "Cortex-${t^^} int8 mnist-conv denoise" $(((b - a) / extra)) "$a" "$b"
      # One epoch more of the sparse trainer is 313 training steps (312 batches of 32
      # patches, one of 16), with their semihosting reads and one epoch's bookkeeping.
      a=$(count "${q[@]}" "$dir/tinyae_fw_train_sparse_e1.elf")
      b=$(count "${q[@]}" "$dir/tinyae_fw_train_sparse_e2.elf")
      printf "%-38s %10d instructions per training step (runs: %d and %d)\n" \
        "Cortex-${t^^} KL-sparse 64-25-64, Adam, batch 32" $(((b - a) / 313)) "$a" "$b"
      ;;
    aarch64|armv7)
      if [ "$t" = aarch64 ]; then q=(qemu-aarch64 -L /usr/aarch64-linux-gnu)
      else q=(qemu-arm -L /usr/arm-linux-gnueabihf); fi
      cmake --preset "$t" >/dev/null
      cmake --build --preset "$t" -j 2 --target tinyae_encode_codes tinyae_encode_int8 >/dev/null
      q+=(-plugin "$plugin" -d plugin)
      dir="$PWD/build/$t/platforms/linux"
      exe="$dir/tinyae_encode_codes"
      for isa in neon scalar; do
        export TINYAE_FORCE_ISA=$isa OMP_NUM_THREADS=1
        per_encode "$t float ($isa kernels, -O3)" "$(count "${q[@]}" "$exe" 0)" \
          "$(count "${q[@]}" "$exe" "$extra")"
      done
      unset TINYAE_FORCE_ISA
      exe="$dir/tinyae_encode_int8"
      isas=(neon scalar)
      [ "$t" = aarch64 ] && isas=(neondot neon scalar)
      for isa in "${isas[@]}"; do
        per_encode "$t int8 ($isa kernels, -O3)" "$(count "${q[@]}" "$exe" "$isa" 0)" \
          "$(count "${q[@]}" "$exe" "$isa" "$extra")"
      done
      per_encode "$t int8 (C header, -O3)" "$(count "${q[@]}" "$exe" 0)" "$(count "${q[@]}" "$exe" "$extra")"
      ;;
    *) echo "insncount.sh: unknown target $t (m4, m7, aarch64, armv7)" >&2; exit 2 ;;
  esac
done
