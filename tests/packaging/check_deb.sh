#!/usr/bin/env bash
# The Debian package end to end: builds it with cpack from BUILD_DIR (already built), checks its
# control fields and contents with dpkg-deb, installs it with dpkg into a scratch root (never the
# real system), runs the installed binary on the installed config, then checks the conffile
# survives a reinstall and a remove, and goes with a purge. docs/packaging.md.
#   check_deb.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
# dpkg insists on finding ldconfig and start-stop-daemon in PATH, even for another root.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

work=$(mktemp -d "${TMPDIR:-/tmp}/authcorrd-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
say() { echo "debian_package: $*"; }
fail() {
  echo "debian_package: FAIL: $*" >&2
  exit 1
}

version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
[ -n "$version" ] || fail "no CPACK_PACKAGE_VERSION in $build/CPackConfig.cmake"
arch=$(dpkg --print-architecture)

# 1. Build the package into the scratch directory (cpack does not rebuild; CI built everything).
cpack --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log" >&2; fail "cpack failed"; }
deb="$work/out/authcorrd_${version}_${arch}.deb"
[ -f "$deb" ] || { ls -l "$work/out" >&2; fail "cpack wrote no $(basename "$deb")"; }
say "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

# 2. Control fields.
field() { dpkg-deb --field "$deb" "$1"; }
dpkg-deb --info "$deb" >"$work/info"
[ "$(field Package)" = authcorrd ] || fail "Package: is '$(field Package)'"
[ "$(field Version)" = "$version" ] || fail "Version: is '$(field Version)', want $version"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture: is '$(field Architecture)'"
[ "$arch" = amd64 ] || say "note: architecture is $arch, not amd64"
for f in Maintainer Description Section; do
  [ -n "$(field "$f")" ] || fail "no $f: field"
done

# 3. Contents: every file the package promises, with sane owners and modes.
dpkg-deb --contents "$deb" >"$work/contents"
contains() { awk '{print $NF}' "$work/contents" | grep -qxF "./${1#/}"; }
expected=(
  /usr/bin/authcorrd
  /lib/systemd/system/authcorrd.service
  /etc/authcorrd/authcorrd.toml
  /usr/share/authcorrd/prometheus/authcorrd-rules.yml
  /usr/share/authcorrd/grafana/authcorrd-dashboard.json
  /usr/share/doc/authcorrd/README.md
)
while IFS= read -r f; do
  expected+=("/usr/share/authcorrd/auth0-actions/$f")
done < <(cd "$src/etc/auth0-actions" && find . -type f | sed 's|^\./||')
while IFS= read -r f; do
  expected+=("/usr/share/doc/authcorrd/docs/$f")
done < <(cd "$src/docs" && find . -type f -name '*.md' | sed 's|^\./||')
for f in "$src"/systemd/*.service "$src"/systemd/*.socket "$src"/systemd/*.timer; do
  [ -e "$f" ] && expected+=("/lib/systemd/system/$(basename "$f")")
done
for kind in sysusers tmpfiles; do
  for f in "$src"/systemd/*."$kind"; do
    [ -e "$f" ] && expected+=("/usr/lib/$kind.d/$(basename "$f" ".$kind").conf")
  done
  for f in "$src"/systemd/"$kind".d/*.conf; do
    [ -e "$f" ] && expected+=("/usr/lib/$kind.d/$(basename "$f")")
  done
done
mapfile -t expected < <(printf '%s\n' "${expected[@]}" | sort -u)
missing=0
for f in "${expected[@]}"; do
  contains "$f" || { echo "debian_package: missing from the package: $f" >&2; missing=1; }
done
[ "$missing" -eq 0 ] || { cat "$work/contents" >&2; fail "files missing"; }
awk '$2 != "root/root" {print; bad=1} END {exit bad}' "$work/contents" ||
  fail "files not owned by root/root"
grep -E ' \./usr/bin/authcorrd$' "$work/contents" | grep -q '^-rwxr-xr-x ' ||
  fail "/usr/bin/authcorrd is not -rwxr-xr-x"
say "contents: ${#expected[@]} expected files present, $(grep -c '^-' "$work/contents") files in all"

# 4. Control files: the config is a conffile, maintainer scripts are executable shell.
dpkg-deb --control "$deb" "$work/control"
grep -qxF /etc/authcorrd/authcorrd.toml "$work/control/conffiles" ||
  fail "conffiles does not list /etc/authcorrd/authcorrd.toml"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] || fail "$script missing or not executable"
  sh -n "$work/control/$script" || fail "$script is not valid sh"
done

# 5. Depends: must name the package of every library the binary links (its DT_NEEDED entries,
#    resolved with ldd and looked up with dpkg -S), whatever that list is.
dpkg-deb --extract "$deb" "$work/extract"
binary="$work/extract/usr/bin/authcorrd"
depends=$(field Depends)
say "Depends: $depends"
[ -n "$depends" ] || fail "empty Depends:"
depends_names=" $(echo "$depends" | tr ',|' '\n' | sed 's/(.*)//; s/:.*//' | xargs) "
needed=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[ -n "$needed" ] || fail "readelf found no NEEDED entries"
ldd "$binary" >"$work/ldd"
sanitizer=""
checked=0
for soname in $needed; do
  case "$soname" in libasan.so.* | libubsan.so.* | libtsan.so.* | liblsan.so.*) sanitizer+=" $soname" ;; esac
  path=$(awk -v s="$soname" '$1 == s && $2 == "=>" {print $3}' "$work/ldd")
  if [ -z "$path" ] || [ "$path" = "not" ]; then fail "ldd cannot resolve $soname"; fi
  # usrmerge: a library may be registered under /lib or /usr/lib; compare without /usr.
  owner=$(dpkg -S "*/$soname" 2>/dev/null |
    awk -v p="${path#/usr}" '{f=$NF; sub(/^\/usr/, "", f)} f == p {sub(/:.*/, "", $1); print $1}' |
    sort -u)
  [ -n "$owner" ] || fail "no installed package owns $path ($soname)"
  for pkg in $owner; do
    case "$depends_names" in
      *" $pkg "*) checked=$((checked + 1)) ;;
      *) fail "Depends: lacks $pkg, which provides $soname" ;;
    esac
  done
done
echo "$depends_names" | grep -q -- '-dev ' && fail "Depends: names a -dev package"
say "Depends: covers all $checked libraries the binary links${sanitizer:+ (sanitizer build:$sanitizer)}"

# 6. Install with dpkg into a scratch root. The admin dir must exist; dependencies are not
#    installed there (the libraries come from the host), hence --force-depends; maintainer
#    scripts run outside a chroot with DPKG_ROOT set, and ours do nothing then.
root="$work/root"
admin="$root/var/lib/dpkg"
mkdir -p "$admin/updates" "$admin/info" "$admin/triggers"
touch "$admin/status" "$admin/available"
dpkg_root() {
  dpkg --root="$root" --admindir="$admin" --log="$work/dpkg.log" --force-not-root \
    --force-depends --force-script-chrootless --force-confdef --force-confold "$@" </dev/null \
    >>"$work/dpkg.out" 2>&1 || { cat "$work/dpkg.out" >&2; fail "dpkg $*"; }
}
status() { dpkg-query --admindir="$admin" -W -f='${Status}' authcorrd 2>/dev/null || true; }
dpkg_root --install "$deb"
[ "$(status)" = "install ok installed" ] || fail "after dpkg -i the status is '$(status)'"
dpkg-query --admindir="$admin" -W -f='${Conffiles}' authcorrd | grep -q '/etc/authcorrd/authcorrd.toml ' ||
  fail "dpkg did not register /etc/authcorrd/authcorrd.toml as a conffile"
say "dpkg -i into a scratch root: $(status)"

# 7. The installed binary and config.
got=$("$root/usr/bin/authcorrd" --version) || fail "authcorrd --version failed"
[ "$got" = "$version" ] || fail "authcorrd --version printed '$got', want $version"
"$root/usr/bin/authcorrd" check-config --config "$root/etc/authcorrd/authcorrd.toml" \
  >"$work/check-config.out" 2>&1 || { cat "$work/check-config.out" >&2; fail "check-config failed"; }
say "installed authcorrd --version: $got; check-config on the installed config: ok"

# 8. Conffile behaviour: a local edit survives a reinstall and a remove; purge deletes it.
conf="$root/etc/authcorrd/authcorrd.toml"
echo "# local edit by the debian_package test" >>"$conf"
dpkg_root --install "$deb"
grep -q 'local edit by the debian_package test' "$conf" || fail "reinstall overwrote the edited conffile"
dpkg_root --remove authcorrd
[ ! -e "$root/usr/bin/authcorrd" ] || fail "dpkg -r left /usr/bin/authcorrd"
[ -f "$conf" ] || fail "dpkg -r deleted the conffile"
[ "$(status)" = "deinstall ok config-files" ] || fail "after dpkg -r the status is '$(status)'"
dpkg_root --purge authcorrd
[ ! -e "$conf" ] || fail "dpkg --purge left the conffile"
say "conffile: kept across reinstall and remove, deleted by purge"
say "ok"
