#!/bin/bash
# waits for the orphaned trim round-1 run, then alternates main and trim
out=/tmp/wip-h2c/ab2
while pgrep -f "jar /tmp/wip-h2c-trim.jar --repeat" > /dev/null; do sleep 5; done
echo "$(date -u +%T) round 1 wip-h2c-trim done: $(grep -E '^\| snipool' $out/wip-h2c-trim-r1.md | tr '\n' ' ')"
cd /work/wip-h2c
for r in 2 3 4; do
  for jar in /tmp/wip-h2c-main.jar /tmp/wip-h2c-trim.jar; do
    name=$(basename $jar .jar)
    flock /work/bench.lock python3 bench/lib/h2.py --snipool bin/snipool --jar $jar --repeat 3 --duration 10 \
      --targets "snipool snipool/h1" --out $out/$name-r$r.md > $out/$name-r$r.log 2>&1
    echo "$(date -u +%T) round $r $name done: $(grep -E '^\| snipool' $out/$name-r$r.md | tr '\n' ' ')"
  done
done
