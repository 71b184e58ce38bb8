#!/usr/bin/env bash
# Installs the real mail servers the interoperability tests run against, from Debian's packages:
# postfix, dovecot (core + lmtpd), swaks, and exim's daemon binary.
#
# postfix and exim4-daemon-light conflict as Debian packages (both provide mail-transport-agent),
# so postfix is installed normally and exim's binary is only unpacked (apt-get download + dpkg -x)
# into a cache folder, with the shared libraries it needs installed as ordinary packages.
#
# No system service is started: postfix is preseeded to "No configuration" and a policy-rc.d that
# refuses every start is in place while apt runs (the one already there, if any, is put back).
# The tests then run each server from its own throw-away configuration (test/interop/servers.ts).
#
# Usage (as root, on Debian): test/interop/install.sh
# Prints the path of the exim binary on its last line. Safe to run again: it only installs what is missing.
set -euo pipefail

cache=${SMTP_LENS_INTEROP_CACHE:-/var/cache/smtp-lens-interop}
exim_root="$cache/exim4"
exim_bin="$exim_root/usr/sbin/exim4"

if [ "$(id -u)" != 0 ]; then
  echo "install.sh: must run as root to install Debian packages" >&2
  exit 3
fi
if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
  echo "install.sh: apt-get/dpkg not found: not a Debian system" >&2
  exit 3
fi

export DEBIAN_FRONTEND=noninteractive
apt_quiet=(-o Dpkg::Use-Pty=0 -o APT::Color=0 -qq)

# Packages (and libraries) wanted: postfix, dovecot, swaks with TLS support, and exim's runtime libraries.
packages=(postfix dovecot-core dovecot-lmtpd swaks libnet-ssleay-perl libio-socket-ssl-perl
  libdb5.3 libgnutls-dane0 libgnutls30 libidn12 libidn2-0 libnsl2 libpcre2-8-0 libcrypt1)
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

updated=no
apt_update() {
  if [ "$updated" = no ]; then
    apt-get "${apt_quiet[@]}" update
    updated=yes
  fi
}

if [ ${#missing[@]} -gt 0 ]; then
  echo "install.sh: installing ${missing[*]}" >&2
  # Never let a package start its service while it is installed.
  policy=/usr/sbin/policy-rc.d
  backup=""
  if [ -e "$policy" ]; then
    backup=$(mktemp)
    cp -p "$policy" "$backup"
  fi
  restore_policy() {
    if [ -n "$backup" ]; then
      cp -p "$backup" "$policy"
      rm -f "$backup"
    else
      rm -f "$policy"
    fi
  }
  trap restore_policy EXIT
  printf '#!/bin/sh\n# smtp-lens interop install: no service starts while packages are installed\nexit 101\n' >"$policy"
  chmod 755 "$policy"

  printf 'postfix postfix/main_mailer_type select No configuration\n' | debconf-set-selections
  apt_update
  # Never remove anything to make room (another MTA installed as the system's, say): say so and stop.
  removals=$(apt-get -s install --no-install-recommends "${missing[@]}" | sed -n 's/^Remv \([^ ]*\).*/\1/p' | tr '\n' ' ')
  if [ -n "$removals" ]; then
    echo "install.sh: installing ${missing[*]} would remove: $removals- not doing that; install them by hand" >&2
    exit 5
  fi
  apt-get "${apt_quiet[@]}" install -y --no-install-recommends "${missing[@]}" >&2
  restore_policy
  trap - EXIT
fi

if [ ! -x "$exim_bin" ]; then
  echo "install.sh: unpacking exim4-daemon-light into $exim_root (not installed as a package)" >&2
  apt_update
  work=$(mktemp -d)
  chmod 755 "$work"  # apt downloads as its _apt user
  (cd "$work" && apt-get "${apt_quiet[@]}" download exim4-daemon-light >&2)
  rm -rf "$exim_root"
  mkdir -p "$exim_root"
  dpkg -x "$work"/exim4-daemon-light_*.deb "$exim_root"
  rm -rf "$work"
fi

# Every shared library the unpacked binary needs must resolve.
if ldd "$exim_bin" | grep -q 'not found'; then
  echo "install.sh: exim4 is missing shared libraries:" >&2
  ldd "$exim_bin" | grep 'not found' >&2
  exit 4
fi

echo "$exim_bin"
