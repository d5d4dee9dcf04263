#!/usr/bin/env bash
# Runs the JMH microbenchmarks of proxy-core (proxy-core/src/test/java/io/snipool/core/bench) with short defaults,
# prints JMH's table and a summary with the ratios that matter, and writes the summary to
# bench/results/jmh-<UTC date>-<time>.md. Not part of the test run.
#
# Usage: bench/jmh.sh [REGEX]       REGEX selects benchmarks as JMH does (default: all of them), e.g.
#        bench/jmh.sh RequestHead   bench/jmh.sh 'RouteLookup.exact'
#        JMH_ARGS='-f 1 -wi 5 -i 10' bench/jmh.sh     (run options; default: -f 1 -wi 3 -w 1s -i 5 -r 1s)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
regex=${1:-io.snipool.core.bench.}
read -ra jmh_args <<< "${JMH_ARGS:--f 1 -wi 3 -w 1s -i 5 -r 1s}"
results=${BENCH_RESULTS:-$here/results}
stamp=$(date -u +%Y-%m-%d-%H%M%S)
work=$here/work/jmh-$stamp
mkdir -p "$work" "$results"

cd "$root"
# Compiles proxy-config and proxy-core with their tests (the JMH annotation processor generates the harness of the
# benchmarks then) and writes each module's test classpath to its target/jmh.classpath.
build=(-q -pl proxy-core -am test-compile dependency:build-classpath -Dmdep.outputFile=target/jmh.classpath)
if ! ./mvnw -o "${build[@]}"; then
  echo "offline build failed; trying with the network (dependencies not cached yet?)" >&2
  ./mvnw "${build[@]}"
fi
core=$root/proxy-core/target
[ -f "$core/test-classes/META-INF/BenchmarkList" ] || {
  echo "no $core/test-classes/META-INF/BenchmarkList: the JMH annotation processor did not run on the test sources" >&2
  exit 1
}
classpath=$core/test-classes:$core/classes:$(cat "$core/jmh.classpath")

java -cp "$classpath" org.openjdk.jmh.Main "${jmh_args[@]}" -rf json -rff "$work/jmh.json" "$regex" \
  | tee "$work/jmh.txt"

python3 "$here/lib/jmh_summary.py" "$work/jmh.json" "$stamp" "${jmh_args[*]}" "$regex" > "$work/summary.md"
cp "$work/summary.md" "$results/jmh-$stamp.md"
echo
cat "$work/summary.md"
echo "summary written to $results/jmh-$stamp.md (raw JMH output in $work)" >&2
