#!/usr/bin/env bash
# Tests of the Debian package (cmake/Packaging.cmake, packaging/), in three steps that CTest
# runs as separate tests sharing one fixture:
#   deb_test.sh build    BUILD_DIR CPACK BINARY   packs the already built binary with CPack
#   deb_test.sh contents BUILD_DIR CPACK BINARY   unpacks the .deb and checks what is in it
#   deb_test.sh unit     BUILD_DIR CPACK BINARY   `systemd-analyze verify` on the packaged unit
# The package goes to BUILD_DIR/package-test/. Nothing is installed on this machine.
# Exit 77 means skipped (a tool is missing); CTest reports it as such.
set -euo pipefail

mode=$1
build_dir=$2
cpack=$3
binary=$4
out_dir=$build_dir/package-test
skip=77

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
check() {  # check DESCRIPTION COMMAND...: records a failure unless COMMAND succeeds
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else fail "$what"; fi
}
finish() {
  if [ "$failures" -gt 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
}

require_tool() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "SKIPPED: $1 is not installed ($2)"
    exit $skip
  fi
}

the_deb() {
  local debs=("$out_dir"/backbeat_*.deb)
  if [ ${#debs[@]} -ne 1 ] || [ ! -f "${debs[0]}" ]; then
    echo "FAIL: expected one backbeat_*.deb in $out_dir (run the build step first)" >&2
    exit 1
  fi
  echo "${debs[0]}"
}

# `backbeat serve --help` is the list of options the env file must document.
serve_help() { COLUMNS=1000 "$binary" serve --help; }

cmd_build() {
  require_tool dpkg-deb "dpkg"
  require_tool dpkg-shlibdeps "dpkg-dev"
  if [ ! -x "$binary" ]; then
    echo "FAIL: $binary is not built" >&2
    exit 1
  fi
  rm -rf "$out_dir"
  mkdir -p "$out_dir"
  # cpack runs the install rules on the binary as built: it compiles nothing.
  local start=$SECONDS
  (cd "$build_dir" && "$cpack" -G DEB --config "$build_dir/CPackConfig.cmake" -B "$out_dir") \
    >"$out_dir/cpack.log" 2>&1 || {
    cat "$out_dir/cpack.log" >&2
    echo "FAIL: cpack failed" >&2
    exit 1
  }
  local deb
  deb=$(the_deb)
  echo "built $(basename "$deb") ($(stat -c %s "$deb") bytes) in $((SECONDS - start)) s"
}

cmd_contents() {
  require_tool dpkg-deb "dpkg"
  local deb root control listing
  deb=$(the_deb)
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  root=$tmp/root
  control=$tmp/control
  dpkg-deb -x "$deb" "$root"
  dpkg-deb -e "$deb" "$control"
  listing=$(dpkg-deb -c "$deb")

  # --- control ---
  field() { dpkg-deb -f "$deb" "$1"; }
  local version arch
  version=$(field Version)
  arch=$(dpkg --print-architecture)
  check "Package is backbeat" [ "$(field Package)" = backbeat ]
  check "Version $version is set" [ -n "$version" ]
  check "Architecture is $arch" [ "$(field Architecture)" = "$arch" ]
  check "Maintainer names someone with an address" \
    grep -Eq '^.+ <[^@ ]+@[^@ ]+>$' <<<"$(field Maintainer)"
  check "Section is net" [ "$(field Section)" = net ]
  check "Priority is optional" [ "$(field Priority)" = optional ]
  check "Description has a summary and an extended part" \
    [ "$(field Description | wc -l)" -ge 3 ]
  check "Installed-Size is set" grep -Eq '^[0-9]+$' <<<"$(field Installed-Size)"
  local depends
  depends=$(field Depends)
  echo "Depends: $depends"
  # libc6 and libstdc++6 appear only when dpkg-shlibdeps read the binary.
  for dep in libc6 libstdc++6 libsqlite3-0 libpq5 libcurl4 libssl3 libjemalloc2 tzdata adduser; do
    check "Depends names $dep" grep -Eq "(^|, )${dep//+/\\+}( \\(|,|$)" <<<"$depends"
  done

  # --- the binary ---
  local bin=$root/usr/bin/backbeat
  check "/usr/bin/backbeat is root-owned and 0755" \
    grep -Eq '^-rwxr-xr-x root/root .* \./usr/bin/backbeat$' <<<"$listing"
  check "the binary runs and reports the package version" \
    [ "$("$bin" --version)" = "backbeat $version" ]
  check "the binary is stripped (no .debug_info)" \
    bash -c "! readelf -S '$bin' | grep -q '\\.debug_info'"
  # CPack strips the installed copy; stripping the build's binary the same way must give it.
  strip -o "$tmp/stripped" "$binary"
  check "the packaged binary is this build's binary, stripped" cmp -s "$bin" "$tmp/stripped"

  # --- the unit ---
  local unit=$root/lib/systemd/system/backbeat.service
  check "the unit is at /lib/systemd/system, root-owned, 0644" \
    grep -Eq '^-rw-r--r-- root/root .* \./lib/systemd/system/backbeat\.service$' <<<"$listing"
  local line
  while IFS= read -r line; do
    check "unit: $line" grep -qxF -- "$line" "$unit"
  done <<'EOF'
Type=simple
User=backbeat
Group=backbeat
EnvironmentFile=/etc/backbeat/backbeat.env
ExecStart=/usr/bin/backbeat serve
StateDirectory=backbeat
WorkingDirectory=/var/lib/backbeat
UMask=0077
Restart=on-failure
KillSignal=SIGTERM
KillMode=mixed
NoNewPrivileges=yes
CapabilityBoundingSet=
AmbientCapabilities=
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
WantedBy=multi-user.target
EOF
  check "unit: no writable path beyond the state directory" \
    bash -c "! grep -Eq '^ReadWritePaths=.+' '$unit'"
  # A graceful stop takes up to twice --shutdown-timeout (requests, then attempts): systemd must
  # not SIGKILL before that. The default is read from the binary, so the two cannot drift apart.
  local help shutdown_default max_connections stop_timeout nofile
  help=$(serve_help)
  shutdown_default=$(sed -nE 's/.*--shutdown-timeout [^=]*=([0-9.]+) .*/\1/p' <<<"$help")
  max_connections=$(sed -nE 's/.*--max-connections [^=]*=([0-9]+) .*/\1/p' <<<"$help")
  stop_timeout=$(sed -nE 's/^TimeoutStopSec=([0-9]+)s?$/\1/p' "$unit")
  nofile=$(sed -nE 's/^LimitNOFILE=([0-9]+)$/\1/p' "$unit")
  check "TimeoutStopSec (${stop_timeout:-unset}) exceeds twice the shutdown timeout (${shutdown_default:-?})" \
    awk -v t="${stop_timeout:-0}" -v s="${shutdown_default:-1e9}" 'BEGIN { exit !(t > 2 * s) }'
  check "LimitNOFILE (${nofile:-unset}) exceeds the connection cap (${max_connections:-?})" \
    awk -v n="${nofile:-0}" -v c="${max_connections:-1e9}" 'BEGIN { exit !(n > c) }'

  # --- the configuration ---
  local env=$root/etc/backbeat/backbeat.env
  check "the env file is root-owned and 0600 (it may hold secrets)" \
    grep -Eq '^-rw------- root/root .* \./etc/backbeat/backbeat\.env$' <<<"$listing"
  check "conffiles lists exactly the env file" \
    [ "$(cat "$control/conffiles")" = /etc/backbeat/backbeat.env ]
  check "the only setting is the database in the state directory" \
    [ "$(grep -Ev '^(#|$)' "$env")" = BACKBEAT_DB=sqlite:/var/lib/backbeat/backbeat.db ]
  # The secret and the admin key default to the database's directory: /var/lib/backbeat.
  check "the secret and admin key are left to their default beside the database" \
    bash -c "grep -qx '#BACKBEAT_SECRET_FILE=' '$env' && grep -qx '#BACKBEAT_ADMIN_KEY_FILE=' '$env'"
  local vars documented var default
  vars=$(grep -oE '\(Env:BACKBEAT_[A-Z_]+\)' <<<"$help" | sed -E 's/\(Env:(.*)\)/\1/')
  check "serve --help lists its variables" [ "$(wc -l <<<"$vars")" -ge 30 ]
  for var in $vars BACKBEAT_OPENAI_API_KEY BACKBEAT_WEBHOOK_SECRET; do
    check "env file documents $var" grep -Eq "^#?$var=" "$env"
  done
  # A commented default must be the binary's own.
  while IFS= read -r line; do
    var=$(sed -E 's/.*\(Env:([A-Z_]+)\).*/\1/' <<<"$line")
    default=$(sed -E 's/.*=([^ =]*) \(Env:.*/\1/' <<<"$line")
    [ "$var" = BACKBEAT_DB ] && continue
    check "env file shows $var's default $default" grep -qxF "#$var=$default" "$env"
  done < <(grep -E '^ +--[a-z-]+ .*=[^ =]* \(Env:' <<<"$help")
  documented=$(grep -oE '^#?BACKBEAT_[A-Z_]+=' "$env" | tr -d '#=' | sort)
  for var in $documented; do
    check "$var in the env file is an option backbeat knows" \
      grep -qw "$var" <<<"$help"
  done

  # --- docs ---
  check "README.md is in /usr/share/doc/backbeat" [ -f "$root/usr/share/doc/backbeat/README.md" ]
  check "operations.md explains installing the package" \
    grep -q '^## Installing the Debian package' "$root/usr/share/doc/backbeat/operations.md"

  # --- maintainer scripts ---
  local script
  for script in postinst prerm postrm; do
    check "$script is 0755" [ "$(stat -c %a "$control/$script")" = 755 ]
    check "$script passes sh -n" sh -n "$control/$script"
    check "$script stops on errors (set -e)" grep -qx 'set -e' "$control/$script"
  done
  check "postinst makes the state directory backbeat's, mode 0750" \
    bash -c "grep -q 'chown backbeat:backbeat' '$control/postinst' &&
             grep -q 'chmod 0750' '$control/postinst'"
  check "postinst touches systemd only where it runs" \
    grep -q '\[ -d /run/systemd/system \]' "$control/postinst"
  check "postrm deletes state and user only on purge" \
    bash -c "sed -n '/^  purge)/,/;;/p' '$control/postrm' | grep -q 'rm -rf \"\$STATE_DIR\"' &&
             ! sed -n '/^  remove)/,/;;/p' '$control/postrm' | grep -q 'rm -rf'"
  if command -v shellcheck >/dev/null 2>&1; then
    check "maintainer scripts pass shellcheck" \
      shellcheck -s sh "$control/postinst" "$control/prerm" "$control/postrm"
  else
    echo "skipped: shellcheck is not installed"
  fi
  finish
}

cmd_unit() {
  require_tool systemd-analyze "the systemd package"
  require_tool dpkg-deb "dpkg"
  local deb root units
  deb=$(the_deb)
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  root=$tmp/root
  dpkg-deb -x "$deb" "$root"
  # Verify inside the unpacked package (so ExecStart= is the packaged binary), with this
  # machine's targets so that WantedBy= and After= resolve. No running systemd is needed.
  units=/lib/systemd/system
  [ -d "$units" ] || units=/usr/lib/systemd/system
  cp "$units"/*.target "$root/lib/systemd/system/"
  local output
  output=$(systemd-analyze verify --root="$root" backbeat.service 2>&1) || {
    echo "$output" >&2
    echo "FAIL: systemd-analyze verify failed" >&2
    exit 1
  }
  # Unknown keys and bad values are only warnings; none is acceptable.
  if [ -n "$output" ]; then
    echo "$output" >&2
    echo "FAIL: systemd-analyze verify warned" >&2
    exit 1
  fi
  echo "ok: systemd-analyze verify: no errors, no warnings"
}

case "$mode" in
  build) cmd_build ;;
  contents) cmd_contents ;;
  unit) cmd_unit ;;
  *)
    echo "usage: $0 build|contents|unit BUILD_DIR CPACK BINARY" >&2
    exit 2
    ;;
esac
