# Sourced by build-aux/test and build-aux/demo: installs what a fresh
# Debian 12 machine lacks, once, as root or through sudo.
supadesk_packages=(
  meson ninja-build pkg-config gcc gettext python3
  libglib2.0-dev libglib2.0-dev-bin libgtk-4-dev libadwaita-1-dev
  libsoup-3.0-dev libjson-glib-dev libsecret-1-dev libpq-dev
  postgresql-15 postgresql-client-15 postgresql-15-wal2json
  gnome-keyring dbus dbus-x11 xvfb xauth at-spi2-core shared-mime-info
  desktop-file-utils appstream
  imagemagick xdotool
  libgtk-4-media-gstreamer gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-tools
)

supadesk_ensure_packages () {
  local missing=() pkg
  for pkg in "${supadesk_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  # Node may come from elsewhere than Debian (it bundles npm then).
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  local reinstall=()
  # GTK loads its SVG icons through the MIME database; a machine where it
  # went missing draws no icon and the UI tests abort.
  [ -f /usr/share/mime/mime.cache ] || reinstall+=(shared-mime-info)
  if [ ${#reinstall[@]} -gt 0 ]; then
    echo "Reinstalling damaged packages: ${reinstall[*]}" >&2
    local s=
    [ "$(id -u)" -eq 0 ] || s=sudo
    DEBIAN_FRONTEND=noninteractive $s apt-get install -y -q --reinstall "${reinstall[@]}" >&2
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing missing packages: ${missing[*]}" >&2
  local sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q >&2
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

supadesk_configure () {
  local builddir=$1; shift
  if [ -f "$builddir/build.ninja" ]; then
    meson setup --reconfigure "$builddir" "$@" >&2
  else
    meson setup "$builddir" "$@" >&2
  fi
}
