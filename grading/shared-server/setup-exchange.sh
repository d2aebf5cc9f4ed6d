#!/usr/bin/env bash
# Create nbgrader's exchange folder for the course on a shared server (run once, as root).
#
#   sudo bash grading/shared-server/setup-exchange.sh [EXCHANGE_ROOT] [COURSE_ID] [INSTRUCTOR]
#
# Defaults: /srv/nbgrader/exchange, scale-from-zero, grader-scale-from-zero (the account that
# holds the course root and runs the formgrader; see grading/README.md). Safe to run again.
#
# Modes (checked by `python -m coursekit.exchange check` and tests/test_exchange.py):
#   EXCHANGE_ROOT                 1777 root        everyone may create a course folder; sticky:
#                                                  no one may rename or delete another's
#   EXCHANGE_ROOT/COURSE          0755 instructor
#   EXCHANGE_ROOT/COURSE/outbound 0755 instructor  released assignments, readable by all
#   EXCHANGE_ROOT/COURSE/inbound  3733 instructor  students create submissions but cannot list
#                                                  them; setgid: submissions get the instructor's
#                                                  group; sticky: no one deletes another's
#   EXCHANGE_ROOT/COURSE/feedback 0711 instructor  students open their own file (its name is a
#                                                  hash of their submission's secret), cannot list
set -euo pipefail

root="${1:-/srv/nbgrader/exchange}"
course="${2:-scale-from-zero}"
owner="${3:-grader-scale-from-zero}"

if [[ $(id -u) -ne 0 ]]; then
    echo "run as root: the exchange root must be owned by root and the course by $owner" >&2
    exit 1
fi
if ! id "$owner" >/dev/null 2>&1; then
    echo "no such user: $owner (create the instructor's account first)" >&2
    exit 1
fi
case "$course" in
    *[!a-z0-9-]* | "") echo "course id must be lower-case letters, digits and dashes: $course" >&2; exit 1 ;;
esac
group="$(id -gn "$owner")"

# Every folder above the exchange must be enterable by everyone.
parent="$(dirname "$root")"
mkdir -p "$parent"
mkdir -p "$root"
chown root:root "$root"
chmod 1777 "$root"

for d in "$root/$course" "$root/$course/outbound" "$root/$course/inbound" "$root/$course/feedback"; do
    mkdir -p "$d"
    chown "$owner:$group" "$d"
done
chmod 0755 "$root/$course" "$root/$course/outbound"
chmod 3733 "$root/$course/inbound"
chmod 0711 "$root/$course/feedback"

check="$parent"
while [[ "$check" != "/" ]]; do
    if [[ $(( 0$(stat -c %a "$check") & 1 )) -eq 0 ]]; then
        echo "warning: others cannot enter $check, so students cannot reach $root" >&2
    fi
    check="$(dirname "$check")"
done
echo "exchange ready: $root/$course (owner $owner:$group)"
ls -ld "$root" "$root/$course" "$root/$course"/*
