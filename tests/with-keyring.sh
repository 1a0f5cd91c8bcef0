#!/bin/sh
# Runs a command inside a private D-Bus session with a gnome-keyring whose
# login collection is created and unlocked, in a throwaway home: a test
# never touches the user's own keyring.
#
#   tests/with-keyring.sh COMMAND [ARGS...]
set -eu

if [ -z "${SWARMYARD_KEYRING_INNER:-}" ]; then
  home=$(mktemp -d /tmp/swarmyard-keyring.XXXXXX)
  trap 'rm -rf "$home"' EXIT
  mkdir -m 700 "$home/runtime"
  SWARMYARD_KEYRING_INNER=1 HOME=$home XDG_DATA_HOME=$home/.local/share \
    XDG_CONFIG_HOME=$home/.config XDG_RUNTIME_DIR=$home/runtime \
    dbus-run-session -- "$0" "$@"
  exit $?
fi

# gnome-keyring-daemon prints its environment and forks; the password on
# stdin creates the login collection and unlocks it.  Not with the test
# environment's fatal warnings: those are for our code.
printf '%s' 'swarmyard-test-keyring' |
  env -u G_DEBUG -u MALLOC_CHECK_ -u MALLOC_PERTURB_ \
    gnome-keyring-daemon --unlock --components=secrets >/dev/null
exec "$@"
