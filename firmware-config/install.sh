#!/bin/sh
# install.sh — install a hallq hall server, kiosk or display onto Raspberry
# Pi OS (Debian) from an unpacked release, idempotently: run it again after
# an upgrade, or to change --server or --browser, and only what differs
# changes. The live config in /etc/hallq is installed from an example only
# when absent, with the --server URL written into it; afterwards it is the
# hall's: a re-run keeps every edit, and moves only the server's URL, and
# only when --server is given.
#
#   sudo ./firmware-config/install.sh server
#   sudo ./firmware-config/install.sh kiosk   --server http://hallq.local:8080
#   sudo ./firmware-config/install.sh kiosk   --server http://hallq.local:8080 --config kiosk-counter.toml
#   sudo ./firmware-config/install.sh kiosk   --server … --config kiosk-touch.toml --browser http://127.0.0.1:8081/ --touch --desktop-user hall
#   sudo ./firmware-config/install.sh display --server http://hallq.local:8080
#   sudo ./firmware-config/install.sh display --server … --browser http://hallq.local:8080/display/hall --desktop-user hall --no-service
#
# --root DIR (or DESTDIR=DIR) installs into DIR instead of / — nothing is
# started, and users and groups go into DIR/etc (systemd-sysusers --root).
# See docs/INSTALL.md.
set -eu

usage() {
	cat >&2 <<'USAGE'
usage: install.sh server|kiosk|display [options]
  --root DIR          install into DIR instead of / (also: DESTDIR=DIR)
  --bin DIR           the binaries (default: bin/ beside firmware-config/)
  --server URL        the hall server, written into the config and used for
                      time sync (default http://hallq.local:8080); on the
                      server itself, the hall's base_url (the QR codes)
  --config NAME       which example in firmware-config/ becomes the live config
                      (default hall.toml, kiosk.toml, display.toml)
  --browser URL       also set up Chromium full screen on this page (TV, touch kiosk)
  --touch             touch-screen flags for the browser
  --desktop-user USER the desktop (auto-login) user for --browser
  --no-service        install files but do not enable the role's service
                      (a TV that only runs the browser)
  --no-boot-config    leave /boot/firmware/config.txt alone
USAGE
	exit 2
}

role=
root=${DESTDIR:-}
bindir=
server_url=http://hallq.local:8080
server_given=0
config=
browser_url=
touch=0
desktop_user=
service=1
boot_config=1
while [ $# -gt 0 ]; do
	case $1 in
	server | kiosk | display) [ -z "$role" ] || usage; role=$1 ;;
	--root) [ $# -ge 2 ] || usage; root=$2; shift ;;
	--bin) [ $# -ge 2 ] || usage; bindir=$2; shift ;;
	--server) [ $# -ge 2 ] || usage; server_url=${2%/}; server_given=1; shift ;;
	--config) [ $# -ge 2 ] || usage; config=$2; shift ;;
	--browser) [ $# -ge 2 ] || usage; browser_url=$2; shift ;;
	--touch) touch=1 ;;
	--desktop-user) [ $# -ge 2 ] || usage; desktop_user=$2; shift ;;
	--no-service) service=0 ;;
	--no-boot-config) boot_config=0 ;;
	-h | --help) usage ;;
	*) echo "install.sh: unknown argument '$1'" >&2; usage ;;
	esac
	shift
done
[ -n "$role" ] || usage

fw=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$fw")
bindir=${bindir:-$top/bin}
R=${root%/}          # "" for the live system
live=0
[ -z "$R" ] && live=1
say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

if [ "$live" = 1 ] && [ "$(id -u)" != 0 ]; then
	die "run as root (sudo), or give --root DIR"
fi
[ -z "$browser_url" ] || [ -n "$desktop_user" ] || die "--browser needs --desktop-user USER (the auto-login user)"
case $desktop_user in *[!A-Za-z0-9._-]*) die "--desktop-user '$desktop_user': not a user name" ;; esac
server_host=$(printf '%s' "$server_url" | sed -E 's#^[a-z]+://##; s#[/?].*$##; s#^\[([^]]+)\].*$#\1#; s#:[0-9]+$##')
case $server_host in '' | *[!A-Za-z0-9.:-]*) die "--server '$server_url': want http://HOST:PORT" ;; esac
case $server_url in
http://* | https://*) ;;
*) die "--server '$server_url': want http://HOST:PORT" ;;
esac
case $server_url in *[!A-Za-z0-9.:/_[\]-]*) die "--server '$server_url': want http://HOST:PORT, nothing more" ;; esac

case $role in
server) bins="hallserver escpos" units="hallq-server.service hallq-backup.service hallq-backup.timer"
	enable="hallq-server.service hallq-backup.timer" default_config=hall.toml boot=config-server.txt ;;
kiosk) bins="kiosk escpos" units="hallq-kiosk.service" enable="hallq-kiosk.service" default_config=kiosk.toml boot=config-kiosk.txt
	[ "${config:-}" != kiosk-counter.toml ] || boot="config-counter.txt" ;;
display) bins="display" units="hallq-display.service" enable="hallq-display.service" default_config=display.toml boot=config-display.txt ;;
esac
config=${config:-$default_config}
live_config=$default_config
[ "$service" = 1 ] || enable=

# put SRC DEST MODE: a file the release owns — replaced when it differs.
put() {
	if [ -f "$2" ] && cmp -s "$1" "$2"; then
		chmod "$3" "$2"
		return
	fi
	mkdir -p "$(dirname "$2")"
	cp "$1" "$2.hallq-new"
	chmod "$3" "$2.hallq-new"
	mv -f "$2.hallq-new" "$2"
	say "installed ${2#"$R"}"
}
# put_text DEST MODE < TEXT: like put, from stdin.
put_text() {
	tmp=$(mktemp)
	cat >"$tmp"
	put "$tmp" "$1" "$2"
	rm -f "$tmp"
}
# put_config SRC DEST: a file the admin owns — written only if absent.
put_config() {
	if [ -e "$2" ]; then
		say "kept ${2#"$R"} (exists)"
		return
	fi
	mkdir -p "$(dirname "$2")"
	cp "$1" "$2"
	chmod 0640 "$2"
	say "installed ${2#"$R"}"
}
# set_key FILE SECTION KEY VALUE: KEY = "VALUE" in [SECTION] of a TOML file
# ("" for the top level, before any section), replacing the key's first
# line there or adding it after the section's header; every other line
# stays as the hall wrote it. The file keeps its owner and mode.
set_key() {
	tmp=$(mktemp)
	awk -v sec="$2" -v key="$3" -v val="$4" '
		function emit() { print key " = \"" val "\""; done = 1 }
		/^[[:space:]]*\[/ {
			if (insec && !done) emit()
			name = $0; sub(/^[[:space:]]*\[+[[:space:]]*/, "", name); sub(/[[:space:]]*\].*$/, "", name)
			insec = (name == sec)
			print; next
		}
		NR == 1 && sec == "" { insec = 1 }
		insec && !done && $0 ~ "^[[:space:]]*" key "[[:space:]]*=" { emit(); next }
		{ print }
		END { if (insec && !done) emit() }
	' "$1" >"$tmp"
	if ! cmp -s "$tmp" "$1"; then
		cat "$tmp" >"$1"
		say "set $3 = \"$4\" in ${1#"$R"}"
	fi
	rm -f "$tmp"
}

# group_id NAME: the group's id in the target system.
group_id() { awk -F: -v g="$1" '$1 == g { print $3 }' "$R/etc/group" 2>/dev/null; }

# 1. Programs.
for b in $bins; do
	[ -x "$bindir/$b" ] || die "no $bindir/$b: unpack the whole release, or give --bin DIR"
	put "$bindir/$b" "$R/usr/local/bin/$b" 0755
done
[ "$role" != server ] || put "$fw/backup/hallq-backup" "$R/usr/local/lib/hallq/hallq-backup" 0755
[ ! -f "$top/docs/INSTALL.md" ] || put "$top/docs/INSTALL.md" "$R/usr/local/share/doc/hallq/INSTALL.md" 0644

# 2. The hallq user and the device groups; its directories.
put "$fw/sysusers/hallq.conf" "$R/etc/sysusers.d/hallq.conf" 0644
put "$fw/sysusers/tmpfiles-hallq.conf" "$R/etc/tmpfiles.d/hallq.conf" 0644
if command -v systemd-sysusers >/dev/null 2>&1; then
	mkdir -p "$R/etc"
	systemd-sysusers --root="${R:-/}" "$R/etc/sysusers.d/hallq.conf"
elif [ "$live" = 1 ]; then
	for g in gpio spi lp dialout video audio; do getent group "$g" >/dev/null || groupadd --system "$g"; done
	getent passwd hallq >/dev/null || useradd --system --user-group --home-dir /var/lib/hallq --no-create-home --shell /usr/sbin/nologin hallq
else
	die "systemd-sysusers is needed to create the hallq user under --root (apt-get install systemd)"
fi
if command -v systemd-tmpfiles >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	systemd-tmpfiles --create --root="${R:-/}" "$R/etc/tmpfiles.d/hallq.conf"
else
	# Not root (a test into --root): the directories without their owner,
	# which systemd-tmpfiles sets at the target's next boot.
	mkdir -p "$R/var/lib/hallq" "$R/var/backups/hallq"
	chmod 0750 "$R/var/lib/hallq" "$R/var/backups/hallq"
fi

# 3. Configs: every example of the role for reference, the live one only if
# absent. They may hold tokens: readable by root and the hallq group only.
mkdir -p "$R/etc/hallq/examples"
for f in "$fw"/*.toml; do
	[ -e "$f" ] || continue
	name=$(basename "$f")
	case $role:$name in
	server:hall*.toml | kiosk:kiosk*.toml | display:display*.toml) put "$f" "$R/etc/hallq/examples/$name" 0644 ;;
	esac
done
fresh=0
if [ -f "$fw/$config" ]; then
	[ -e "$R/etc/hallq/$live_config" ] || fresh=1
	put_config "$fw/$config" "$R/etc/hallq/$live_config"
elif [ ! -e "$R/etc/hallq/$live_config" ]; then
	say "no example $config in this release: write /etc/hallq/$live_config yourself"
fi
# The server's URL goes into a config we just installed, and into the
# hall's own one only when --server says so.
if [ -f "$R/etc/hallq/$live_config" ] && { [ "$fresh" = 1 ] || [ "$server_given" = 1 ]; }; then
	case $role in
	kiosk) set_key "$R/etc/hallq/$live_config" server url "$server_url" ;;
	display) set_key "$R/etc/hallq/$live_config" "" server "$server_url" ;;
	server) [ "$server_given" = 0 ] || set_key "$R/etc/hallq/$live_config" hall base_url "$server_url" ;;
	esac
fi
gid=$(group_id hallq)
if [ "$(id -u)" = 0 ] && [ -n "$gid" ]; then
	chown "0:$gid" "$R/etc/hallq"
	[ ! -e "$R/etc/hallq/$live_config" ] || chown "0:$gid" "$R/etc/hallq/$live_config"
fi
chmod 0750 "$R/etc/hallq"

# 4. Units.
for u in $units; do
	put "$fw/systemd/$u" "$R/etc/systemd/system/$u" 0644
done

# 5. Journald capped, so the SD card never fills.
put "$fw/systemd/journald-hallq.conf" "$R/etc/systemd/journald.conf.d/hallq.conf" 0644

# 6. The printer's stable name. The release's rule goes where packages put
# theirs; a copy the hall edits in /etc/udev/rules.d replaces it, and no
# upgrade touches that copy.
[ "$role" != kiosk ] || put "$fw/udev/60-hallq-printer.rules" "$R/usr/lib/udev/rules.d/60-hallq-printer.rules" 0644

# 7. Time: the server serves it (chrony), the others take it from the server.
if [ "$role" = server ]; then
	put "$fw/time/chrony-server.conf" "$R/etc/chrony/conf.d/hallq-server.conf" 0644
else
	sed "s/HALLQ_SERVER_HOST/$server_host/" "$fw/time/timesyncd-client.conf" | put_text "$R/etc/systemd/timesyncd.conf.d/hallq.conf" 0644
	sed "s/HALLQ_SERVER_HOST/$server_host/" "$fw/time/chrony-client.sources" | put_text "$R/etc/chrony/sources.d/hallq.sources" 0644
fi

# 8. config.txt: the role's block between marker lines, replaced each run.
cfgtxt=
for c in "$R/boot/firmware/config.txt" "$R/boot/config.txt"; do
	if [ -f "$c" ]; then cfgtxt=$c; break; fi
done
if [ "$boot_config" = 1 ] && [ -n "$cfgtxt" ]; then
	tmp=$(mktemp)
	awk '/^# >>> hallq >>>/ { skip = 1; next } /^# <<< hallq <<</ { skip = 0; next } !skip' "$cfgtxt" >"$tmp"
	{
		echo "# >>> hallq >>> (written by hallq's install.sh; edit firmware-config/boot/$boot and run it again)"
		echo "[all]"
		grep -v '^#' "$fw/boot/$boot" | sed '/^$/d'
		echo "# <<< hallq <<<"
	} >>"$tmp"
	if cmp -s "$tmp" "$cfgtxt"; then
		rm -f "$tmp"
	else
		cat "$tmp" >"$cfgtxt" # keep the file's owner and mode
		rm -f "$tmp"
		say "updated ${cfgtxt#"$R"} (reboot to apply)"
	fi
elif [ "$boot_config" = 1 ]; then
	say "no config.txt found: add firmware-config/boot/$boot to it by hand"
fi

# 9. A browser full screen (TV, touch kiosk).
if [ -n "$browser_url" ]; then
	put "$fw/desktop/hallq-browser" "$R/usr/local/lib/hallq/hallq-browser" 0755
	printf 'HALLQ_BROWSER_URL=%s\nHALLQ_BROWSER_TOUCH=%s\n' "$browser_url" "$touch" | put_text "$R/etc/hallq/browser.env" 0644
	home=$(awk -F: -v u="$desktop_user" '$1 == u { print $6 }' "$R/etc/passwd" 2>/dev/null)
	home=${home:-/home/$desktop_user}
	auto=$R$home/.config/labwc/autostart
	if [ -f "$auto" ] && ! grep -q hallq-browser "$auto"; then
		say "kept $home/.config/labwc/autostart (not ours): add the line from firmware-config/desktop/labwc-autostart"
	else
		put "$fw/desktop/labwc-autostart" "$auto" 0644
		if [ "$(id -u)" = 0 ] && uid=$(awk -F: -v u="$desktop_user" '$1 == u { print $3 ":" $4 }' "$R/etc/passwd" 2>/dev/null) && [ -n "$uid" ]; then
			chown -R "$uid" "$R$home/.config/labwc"
		fi
	fi
fi

# 10. Enable (and on a live system start) the services.
if [ "$live" = 1 ]; then
	systemctl daemon-reload
	systemctl restart systemd-journald || true
	if command -v udevadm >/dev/null 2>&1 && [ "$role" = kiosk ]; then
		if ! udevadm control --reload || ! udevadm trigger --subsystem-match=usbmisc; then
			say "udev did not reload: replug the printer, or reboot"
		fi
	fi
	if [ -n "$browser_url" ] && command -v raspi-config >/dev/null 2>&1; then
		raspi-config nonint do_blanking 1 || true
	fi
	[ "$role" = server ] && ! command -v chronyd >/dev/null 2>&1 &&
		say "apt-get install chrony — so this Pi serves the hall's time (firmware-config/time/chrony-server.conf)"
	if [ "$role" = server ] && [ -n "$enable" ] && [ ! -e /var/lib/hallq/hallq.db ]; then
		# The first start sets the hall up from hall.toml: not before the
		# installer has made it this hall's.
		# shellcheck disable=SC2086 # $enable is a list of units
		systemctl enable $enable
		systemctl start hallq-backup.timer
		say "next: edit /etc/hallq/hall.toml, check it (sudo -u hallq hallserver -config /etc/hallq/hall.toml -check-config),"
		say "      then: sudo systemctl start hallq-server"
	elif [ -n "$enable" ]; then
		# shellcheck disable=SC2086 # $enable is a list of units
		systemctl enable --now $enable
		say "done: systemctl status $enable; journalctl -fu ${enable%% *}"
	fi
elif [ -n "$enable" ] && command -v systemctl >/dev/null 2>&1; then
	# shellcheck disable=SC2086 # $enable is a list of units
	systemctl --root="$R" --quiet enable $enable
fi
