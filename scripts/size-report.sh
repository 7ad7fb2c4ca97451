#!/usr/bin/env bash
# Flash and RAM of the Cortex-M firmware examples, and the arena bytes of each part.
#   scripts/size-report.sh [m4|m7]      (default m4; builds the cortex-<core> preset)
# Needs the cross tools (scripts/install-deps.sh --cross).
# flash = .text + .data (code, constants, initial values); RAM = .data + .bss, where
# .bss holds the static arena and the stack the linker script reserves.
set -euo pipefail
cd "$(dirname "$0")/.."
core="${1:-m4}"
preset="cortex-$core"
dir="build/$preset/platforms/cortex-m"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j 2 --target tinyae_fw_encode tinyae_fw_train838 >/dev/null

arena_of() {  # bytes of the static arena in an ELF (symbol size, from the linker)
  local hex
  hex=$(arm-none-eabi-nm -S -C "$1" | awk '$NF ~ /g_arena$/ { print $2 }')
  echo $((16#$hex))
}
stack=$(arm-none-eabi-size -A "$dir/tinyae_fw_encode.elf" | awk '$1 == ".stack" { print $2 }')

echo "Cortex-$core firmware (-Os, -fno-exceptions -fno-rtti, newlib-nano, no heap), bytes:"
printf "%-22s %8s %8s %8s   %s\n" program flash RAM arena "what it does"
for elf in tinyae_fw_encode tinyae_fw_train838; do
  read -r text data bss < <(arm-none-eabi-size "$dir/$elf.elf" | awk 'NR == 2 { print $1, $2, $3 }')
  case "$elf" in
    tinyae_fw_encode) what="float 784-32 encoder (mnist-dense spec), init + encode" ;;
    tinyae_fw_train838) what="identity-838 trained on the device (SGD)" ;;
  esac
  printf "%-22s %8d %8d %8d   %s\n" "$elf" $((text + data)) $((data + bss)) "$(arena_of "$dir/$elf.elf")" "$what"
done
echo "(RAM includes a ${stack}-byte stack reserve; flash includes the core, libm and the startup code)"

# The encoder's arena holds a trainable network (its weights come from the seeded init);
# the firmware also prints what an inference-only network of the same spec needs.
case "$core" in m4) board=mps2-an386 ;; m7) board=mps2-an500 ;; *) board=mps3-an547 ;; esac
emulator=(qemu-system-arm -M "$board" -nographic -semihosting-config enable=on,target=native -kernel)
"${emulator[@]}" "$dir/tinyae_fw_encode.elf" 2>&1 | grep -o 'inference alone would need [0-9]*' |
  sed 's/^/encoder: /; s/$/ arena bytes (784-32-784 weights + two 784-float activation buffers)/'
