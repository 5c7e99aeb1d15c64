#!/usr/bin/env bash
# Runs every fuzz target of the project for a short time each: CI does it
# on every change (.ci/run), and anyone can run it longer before a release:
#   scripts/fuzz.sh          # 15 s per target
#   scripts/fuzz.sh 10m      # a soak
# A failure leaves its input under the package's testdata/fuzz/ and fails
# the run; `go test` then replays it as a regression test. The table below
# must name every Fuzz function in the repository (a test checks it).
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${1:-15s}"

targets=(
	"./:FuzzInputRules"
	"./server/config:FuzzParse"
	"./server:FuzzAPIBodies"
	"./server/api:FuzzDecode"
	"./printer/decode:FuzzRender"
)

for t in "${targets[@]}"; do
	pkg="${t%%:*}" name="${t#*:}"
	echo "== fuzz $name ($pkg, $fuzztime)"
	# The fuzzer minimizes every input that finds new code, in time
	# quadratic in its length, counting none of it as executions ("0/sec"),
	# and fuzzes nothing meanwhile: a second caps each minimization so that
	# a short run fuzzes. A failing input is written whole if not minimized.
	go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime 1s "$pkg"
done
