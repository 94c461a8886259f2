#!/bin/bash
# Issue 15 goal rows, measured side by side: for each row, the mpmath closed
# form (one side only, mp_closed.py: L*, σ_1 and W*W*ᵀ; and with --full
# every quantity predict prints and verify compares, predictions
# included), ufm predict and ufm verify (or solve),
# in the same loop, CPU seconds (user + sys of the child, /usr/bin/time),
# median of 3 when one run takes under a minute, else one run.
#
# Usage: bench/sidebyside.sh UFM_BINARY [ROWS...]
#   Instances are written by gen.py into $BENCH_DATA (default bench/data,
#   ignored by git) when missing.
#   ROWS: any of n17 n32 n12k n64 n256 n12k2 (default: all). Environment:
#   MP_TIMEOUT (CPU s, default 600) caps each mpmath run, UFM_TIMEOUT (CPU
#   s, default 900) each ufm run (ulimit -t, so that a loaded machine does
#   not cut runs short; wall-clock cap and ufm's --time-limit are 20× that);
#   a capped run prints ">T".
# Prints one markdown table on stdout; per-run details on stderr.
set -u
if [ $# -lt 1 ] || [ ! -x "$1" ]; then
	echo "usage: sidebyside.sh UFM_BINARY [n17 n32 n12k n64 n256 n12k2]" >&2
	exit 2
fi
UFM=$(readlink -f "$1")
shift
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${BENCH_DATA:-$HERE/data}
PY=/usr/bin/python3
MP_TIMEOUT=${MP_TIMEOUT:-600}
UFM_TIMEOUT=${UFM_TIMEOUT:-900}
ROWS=${*:-n17 n32 n12k n64 n256 n12k2}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# cpu LIMIT CMD...: runs CMD with at most LIMIT CPU seconds (and 20× that
# of wall clock), prints "SECONDS EXIT" (SECONDS = user + sys; ">LIMIT"
# when it was stopped). CMD's stdout goes to $TMP/out.
cpu() {
	local limit=$1
	shift
	/usr/bin/time -f "%U %S" -o "$TMP/time" timeout $((20 * limit)) bash -c 'ulimit -t "$0"; exec "$@"' "$limit" "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	local s
	s=$(awk 'END { printf "%.2f", $1 + $2 }' "$TMP/time")
	if [ $rc -eq 124 ] || [ $rc -ge 128 ] || awk -v s="$s" -v l="$limit" 'BEGIN { exit !(s >= l) }'; then
		echo ">$limit $rc"
		return
	fi
	echo "$s $rc"
}

# measure LIMIT CMD...: median of 3 when the first run takes under 60 s.
# Prints "SECONDS EXIT".
measure() {
	local first
	first=$(cpu "$@")
	local s=${first% *}
	case $s in
	\>*) echo "$first"; return ;;
	esac
	if awk -v s="$s" 'BEGIN { exit !(s >= 60) }'; then
		echo "$first"
		return
	fi
	local a b
	a=$(cpu "$@")
	b=$(cpu "$@")
	printf '%s\n%s\n%s\n' "$first" "$a" "$b" | sort -g | sed -n 2p
}

# verdict: the first line of verify's output (AGREE/DISAGREE/...).
verdict() { grep -m1 -oE 'AGREE|DISAGREE|did not finish|refused|INCONCLUSIVE' "$TMP/out" "$TMP/err" 2>/dev/null | head -1 | sed 's/.*://'; }

echo "| row | goal | mpmath closed form (L*, W*W*ᵀ) | mpmath closed form --full | ufm predict | ufm verify (or solve) | verify / mpmath (L*, W*W*ᵀ; --full) |"
echo "|---|---|---|---|---|---|---|"
for row in $ROWS; do
	case $row in
	n17) f=n17_D50.json; gen="17 34 100 50"; digits=50; goal="verify ≤ 2 s"; second=verify ;;
	n32) f=n32_D50.json; gen="32 64 160 50"; digits=50; goal="verify ≤ 30 s and ≤ 1× mpmath"; second=verify ;;
	n12k) f=n12_D1000.json; gen="12 24 60 1000"; digits=1000; goal="verify ≤ 10 s and ≤ 1× mpmath"; second=verify ;;
	n64) f=n64_D50.json; gen="64 128 320 50"; digits=50; goal="verify ≤ 5 min"; second=verify ;;
	n256) f=n256_D50.json; gen="256 256 1000 50"; digits=50; goal="predict ≤ 60 s"; second=none ;;
	n12k2) f=n12_D2000.json; gen="12 24 60 2000"; digits=2000; goal="solve ≤ 8 Newton steps"; second=solve ;;
	*) echo "sidebyside.sh: unknown row $row" >&2; exit 2 ;;
	esac
	inst=$DATA/$f
	if [ ! -f "$inst" ]; then
		mkdir -p "$DATA"
		set -- $gen
		$PY "$HERE/gen.py" "$1" "$2" "$3" "$4" >"$inst"
	fi
	mpres=$(measure "$MP_TIMEOUT" $PY "$HERE/mp_closed.py" "$inst" "$digits")
	echo "$row mpmath: $mpres $(head -1 "$TMP/out")" >&2
	mpfull=$(measure "$MP_TIMEOUT" $PY "$HERE/mp_closed.py" "$inst" "$digits" --full)
	echo "$row mpmath --full: $mpfull" >&2
	pres=$(measure "$UFM_TIMEOUT" "$UFM" predict "$inst" --digits "$digits" --time-limit "$((20 * UFM_TIMEOUT))s")
	echo "$row predict: $pres" >&2
	vcol="not run"
	ratio=""
	case $second in
	verify)
		vres=$(measure "$UFM_TIMEOUT" "$UFM" verify "$inst" --digits "$digits" --time-limit "$((20 * UFM_TIMEOUT))s")
		v=$(verdict)
		if [ "${vres#* }" = 2 ]; then
			v="refused: $(head -c 80 "$TMP/err" | tr '\n|' '  ')"
		fi
		echo "$row verify: $vres $v" >&2
		vcol="${vres% *} s (exit ${vres#* }${v:+, $v})"
		# A ratio only for a verify that finished (exit 0 agree, 1 disagree).
		case ${vres% *}${mpres% *}:${vres#* } in
		*\>*) ;;
		*:0 | *:1) ratio=$(awk -v a="${vres% *}" -v b="${mpres% *}" -v c="${mpfull% *}" 'BEGIN { printf "%.2f×", a / b; if (c + 0 > 0) printf "; %.2f×", a / c }') ;;
		esac
		;;
	solve)
		sres=$(measure "$UFM_TIMEOUT" "$UFM" solve "$inst" --digits "$digits" --time-limit "$((20 * UFM_TIMEOUT))s" --json)
		steps=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("iterations"), d.get("stop"))' "$TMP/out" 2>/dev/null)
		echo "$row solve: $sres $steps" >&2
		vcol="solve ${sres% *} s (exit ${sres#* }; Newton steps, stop: ${steps:-?})"
		;;
	esac
	echo "| $f | $goal | ${mpres% *} s | ${mpfull% *} s | ${pres% *} s (exit ${pres#* }) | $vcol | $ratio |"
done
echo
MPB=$($PY -c 'import mpmath, mpmath.libmp as l; print("mpmath", mpmath.__version__, "backend", l.BACKEND)' 2>/dev/null)
echo "CPU seconds (user + sys), median of 3 where a run takes under a minute; binary $UFM; $(date -u '+%F %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $MPB."
