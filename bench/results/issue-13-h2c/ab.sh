#!/bin/bash
# usage: ab.sh ROUNDS OUTDIR jarA jarB ...
rounds=$1; out=$2; shift 2
mkdir -p $out
cd /work/wip-h2c
for r in $(seq 1 $rounds); do
  for jar in "$@"; do
    name=$(basename $jar .jar)
    flock /work/bench.lock python3 bench/lib/h2.py --snipool bin/snipool --jar $jar --repeat 3 --duration 10 \
      --targets "snipool snipool/h1" --out $out/$name-r$r.md > $out/$name-r$r.log 2>&1
    echo "$(date -u +%T) round $r $name done: $(grep -E '^\| snipool' $out/$name-r$r.md | tr '\n' ' ')"
  done
done
