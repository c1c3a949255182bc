#!/bin/sh
# run.sh - build the MM Lab kernel oracles with cc -O2 and run them all,
# writing one JSON file per scenario to reference/kernel-6.18/.
#
#   tools/oracle/run.sh            build + run every scenario once
#   tools/oracle/run.sh --verify   run everything twice (the second run into a
#                                  temporary directory) and write
#                                  reference/kernel-6.18/run-to-run.json listing
#                                  every field that differed between the runs
#
# Needs root (pagemap PFNs, /proc/kpageflags, /proc/kpagecount,
# /proc/sys/vm/stat_refresh) and a Linux 6.18 x86-64 host with THP in madvise
# mode. Environment:
#   ORACLE_OUT=dir        output directory   (default: <repo>/reference/kernel-6.18)
#   ORACLE_BUILD=dir      binaries           (default: tools/oracle/bin, gitignored)
#   ORACLE_DROP_SLAB=0|1  let thp_zero_alloc run `echo 2 > /proc/sys/vm/drop_caches`
#                         so the huge zero folio is freed and re-allocated every
#                         run (default 1; 0 leaves the system's caches alone)
#   ORACLE_CPU=n          CPU to pin to (default: the highest allowed CPU)
#   CC=...                compiler (default cc)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${ORACLE_OUT:-$root/reference/kernel-6.18}
build=${ORACLE_BUILD:-$here/bin}
cc=${CC:-cc}
cflags="-O2 -std=c11 -Wall -Wextra -pthread"
ORACLE_DROP_SLAB=${ORACLE_DROP_SLAB:-1}
export ORACLE_DROP_SLAB

if [ "$(id -u)" != 0 ]; then
	echo "run.sh: must run as root (pagemap PFNs, kpageflags, kpagecount)" >&2
	exit 1
fi
case "$(uname -r)" in
6.18*) ;;
*) echo "run.sh: warning: kernel $(uname -r) is not 6.18; the reference data is for 6.18" >&2 ;;
esac
thp=$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo '?')
case "$thp" in
*"[madvise]"*) ;;
*) echo "run.sh: warning: THP enabled is '$thp', the scenarios expect [madvise]" >&2 ;;
esac

mkdir -p "$build" "$out"
for p in thp_zero_alloc fork_cow fork_zero_page dontneed mprotect_signals shared_anon populate munmap_exit thp ranges lazyfree mremap mlock forkflags devzero brk threads stack exec mlockall unevictable ksm ksm_merge thp_underused uffd_zeropage file; do
	$cc $cflags -o "$build/$p" "$here/$p.c"
done

# scenario-name  program  [argument]   (thp-zero-page-alloc first: it decides
# whether the huge zero folio exists when the THP scenarios run)
scenarios='
thp-zero-page-alloc thp_zero_alloc
fork-cow fork_cow child-first
fork-then-parent-writes-first fork_cow parent-first
fork-zero-page fork_zero_page
dontneed-after-read dontneed after-read
dontneed-after-write dontneed after-write
mprotect-then-write mprotect_signals
shared-anon shared_anon
populate-map-populate populate map-populate
populate-madv-populate-read populate populate-read
populate-madv-populate-write populate populate-write
munmap-exit munmap_exit
thp-huge-zero-read-then-write thp read-then-write
thp-dontneed-in-huge-zero thp dontneed-huge-zero
thp-dontneed-in-thp thp dontneed-thp
thp-fork-child-writes thp fork-thp
ranges-with-holes ranges holes
ranges-args-populate ranges args
ranges-thp-reuse ranges thp-reuse
madv-free lazyfree
mremap mremap
mlock mlock
fork-flags forkflags
devzero devzero
brk brk
threads threads
stack stack
exec exec
mlockall mlockall
unevictable unevictable
ksm ksm
ksm-merge ksm_merge
thp-underused-split thp_underused 409
thp-underused-default thp_underused 511
uffd-zeropage uffd_zeropage
file file
'

run_all() {
	dest=$1
	mkdir -p "$dest"
	echo "$scenarios" | while read -r name prog arg; do
		[ -n "$name" ] || continue
		printf '%-34s' "$name" >&2
		# shellcheck disable=SC2086 # $arg is empty or one word
		if "$build/$prog" $arg >"$dest/$name.json.tmp"; then
			mv "$dest/$name.json.tmp" "$dest/$name.json"
			echo " ok" >&2
		else
			echo " FAILED" >&2
			rm -f "$dest/$name.json.tmp"
			exit 1
		fi
	done
}

run_all "$out"

if [ "${1:-}" = "--verify" ]; then
	second=$(mktemp -d "${TMPDIR:-/tmp}/mm-lab-oracle-run2.XXXXXX")
	echo "second run into $second" >&2
	run_all "$second"
	# Compare the two runs. Fields are sorted into:
	#   deterministic - must match; a difference here is a finding
	#   systemwide    - /proc/vmstat and mTHP stats deltas, *_samples: shared machine
	#   absolute      - the process's absolute status/minflt totals (libc, stack)
	# Keys ending in _varies and timing keys are skipped.
	node - "$out" "$second" "$out/run-to-run.json" <<'EOF'
const fs = require('fs');
const path = require('path');
const [dirA, dirB, outFile] = process.argv.slice(2);
const skip = (k) => /_varies$/.test(k) || /seconds/.test(k) || k === 'uptime_seconds_at_start_varies';
function category(p) {
  if (/vmstat_delta|mthp_2048kB_stats_delta|_samples|drop_caches/.test(p)) return 'systemwide';
  if (/(^|\.)(stat_minflt_total|status)(\.|$)/.test(p) || /_absolute(\.|$)/.test(p) || /\.Referenced$/.test(p))
    return 'absolute';
  return 'deterministic';
}
function walk(a, b, p, diffs) {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || a === null || b === null ||
      typeof a !== 'object') {
    if (JSON.stringify(a) !== JSON.stringify(b))
      diffs.push({ path: p, run1: a === undefined ? '(missing)' : a, run2: b === undefined ? '(missing)' : b });
    return;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (skip(k)) continue;
    walk(a[k], b[k], p ? `${p}.${k}` : k, diffs);
  }
}
const files = fs.readdirSync(dirB).filter((f) => f.endsWith('.json')).sort();
const report = { about: 'Fields that differed between two consecutive runs of tools/oracle/run.sh. ' +
  'deterministic: should never differ (a finding if listed); systemwide: /proc/vmstat and mTHP counters ' +
  'are shared with other processes; absolute: whole-process totals. Keys ending in _varies and timings ' +
  'are not compared.', files: {} };
let bad = 0;
for (const f of files) {
  const a = JSON.parse(fs.readFileSync(path.join(dirA, f), 'utf8'));
  const b = JSON.parse(fs.readFileSync(path.join(dirB, f), 'utf8'));
  const diffs = [];
  walk(a, b, '', diffs);
  const byCat = { deterministic: [], systemwide: [], absolute: [] };
  for (const d of diffs) byCat[category(d.path)].push(d);
  bad += byCat.deterministic.length;
  report.files[f] = {
    deterministic_differences: byCat.deterministic,
    systemwide_differences: byCat.systemwide.length,
    systemwide_paths: byCat.systemwide.map((d) => d.path),
    absolute_differences: byCat.absolute.length,
  };
  console.error(`${f.padEnd(40)} deterministic diffs: ${byCat.deterministic.length}, systemwide: ` +
    `${byCat.systemwide.length}, absolute: ${byCat.absolute.length}`);
}
report.deterministic_differences_total = bad;
fs.writeFileSync(outFile, JSON.stringify(report, null, 1) + '\n');
EOF
	rm -rf "$second"
fi
