#!/usr/bin/env bash
# The measured tables in the READMEs come from the scripts that measure them: each sits
# between a line `<!-- generated: COMMAND -->` and `<!-- end generated -->`, and this
# script replaces it with what COMMAND prints now.
#   scripts/readme-tables.sh            rewrite the tables in place
#   scripts/readme-tables.sh --check    change nothing; fail, with a diff, if one is stale (CI)
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
[ "${1:-}" = "--check" ] && check=1
files=(README.md platforms/README.md)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Each command once, however many files carry its table.
commands=$(grep -h -o '<!-- generated: .* -->' "${files[@]}" | sed 's/<!-- generated: \(.*\) -->/\1/' | sort -u)
i=0
while IFS= read -r command; do
  [ -n "$command" ] || continue
  i=$((i + 1))
  echo "== $command" >&2
  bash -c "$command" >"$tmp/out$i"
  printf '%s\n' "$command" >"$tmp/cmd$i"
done <<<"$commands"

status=0
for f in "${files[@]}"; do
  awk -v dir="$tmp" -v n="$i" '
    BEGIN { for (k = 1; k <= n; k++) { getline c < (dir "/cmd" k); cmd[c] = dir "/out" k } }
    /^<!-- end generated -->$/ { skip = 0 }
    skip { next }
    {
      print
      if (match($0, /^<!-- generated: .* -->$/)) {
        c = substr($0, 17, length($0) - 20)
        while ((getline line < cmd[c]) > 0) print line
        close(cmd[c])
        skip = 1
      }
    }' "$f" >"$tmp/new"
  if ! cmp -s "$f" "$tmp/new"; then
    if [ "$check" = 1 ]; then
      echo "readme-tables.sh: $f is stale (run scripts/readme-tables.sh):" >&2
      diff -u "$f" "$tmp/new" >&2 || true
      status=1
    else
      cp "$tmp/new" "$f"
      echo "updated $f" >&2
    fi
  fi
done
exit $status
