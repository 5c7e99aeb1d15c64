#!/bin/sh
# release.sh — build a hallq release: one tarball per Raspberry Pi target and
# one for amd64, each with every binary, the systemd units, udev rule,
# config.txt fragments, example configs, install.sh, the README and docs/.
#
#   scripts/release.sh v0.1.0            # → dist/hallq-v0.1.0-linux-{arm64,armv7,amd64}.tar.gz
#   OUT=/tmp/rel scripts/release.sh v0.1.0
#
# Binaries are static (CGO_ENABLED=0), built with -trimpath, stripped, and
# stamped with the release: every one answers -version with it. The build
# time, which the hall server uses as the earliest plausible clock reading,
# is SOURCE_DATE_EPOCH when set (reproducible builds), else now. Set TARGETS
# to build fewer targets ("linux/arm64 linux/amd64").
set -eu

[ $# -eq 1 ] || { echo "usage: scripts/release.sh VERSION   (e.g. v0.1.0)" >&2; exit 2; }
version=$1
case $version in
v[0-9]*) ;;
*) echo "release.sh: version '$version' should look like v0.1.0" >&2; exit 2 ;;
esac
case $version in *[!A-Za-z0-9._+-]*) echo "release.sh: version '$version' has characters that do not belong in a file name" >&2; exit 2 ;; esac

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=${OUT:-$top/dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)
targets=${TARGETS:-"linux/arm64 linux/arm/7 linux/amd64"}
cmds=${CMDS:-"hallserver kiosk display escpos hallsim"}

epoch=${SOURCE_DATE_EPOCH:-$(date +%s)}
buildtime=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
# Every binary reads internal/version.
pkg=github.com/hallq/hallq/internal/version
ldflags="-s -w -X $pkg.Version=$version -X $pkg.BuildTime=$buildtime"

pkgs=
for c in $cmds; do
	[ -d "cmd/$c" ] || { echo "release.sh: no cmd/$c" >&2; exit 1; }
	pkgs="$pkgs ./cmd/$c"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

for t in $targets; do
	os=$(echo "$t" | cut -d/ -f1)
	arch=$(echo "$t" | cut -d/ -f2)
	goarm=$(echo "$t" | cut -s -d/ -f3)
	if [ "$arch" = arm ] && [ -z "$goarm" ]; then goarm=7; fi
	label=$arch
	[ "$arch" != arm ] || label=armv$goarm
	name=hallq-$version-$os-$label
	dir=$work/$name
	mkdir -p "$dir/bin" "$dir/docs"
	echo "release.sh: $name:$pkgs"
	# One go build for all the commands: their packages are loaded once
	# and they are linked side by side (about half the time of one go
	# build each, and the same bytes).
	# shellcheck disable=SC2086 # $pkgs is a list of packages
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch GOARM=$goarm \
		go build -trimpath -ldflags "$ldflags" -o "$dir/bin/" $pkgs
	# firmware-config as in the repository, without test files.
	mkdir -p "$dir/firmware-config"
	(cd firmware-config && find . -type f ! -name '*_test.go' ! -name '*.go' -print) | while read -r f; do
		mkdir -p "$dir/firmware-config/$(dirname "$f")"
		cp -p "firmware-config/$f" "$dir/firmware-config/$f"
	done
	# The README and every guide with its pictures: INSTALL.md links to the
	# others, so an installer with the tarball alone finds what it points at.
	cp README.md "$dir/README.md"
	(cd docs && find . -type f \( -name '*.md' -o -name '*.svg' -o -name '*.png' \) -print) | while read -r f; do
		mkdir -p "$dir/docs/$(dirname "$f")"
		cp -p "docs/$f" "$dir/docs/$f"
	done
	printf '%s\n' "$version" >"$dir/VERSION"
	(cd "$dir" && find . -type f | LC_ALL=C sort | sed 's#^\./##' | xargs sha256sum >"$work/SHA256SUMS" && mv "$work/SHA256SUMS" SHA256SUMS)
	# A reproducible archive: sorted, no owners, one timestamp.
	tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
		-cf - "$name" | gzip -n -9 >"$out/$name.tar.gz"
	echo "release.sh: $out/$name.tar.gz"
done
(cd "$out" && sha256sum hallq-"$version"-*.tar.gz >"hallq-$version.sha256")
echo "release.sh: checksums in $out/hallq-$version.sha256"
