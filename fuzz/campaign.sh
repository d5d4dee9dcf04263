#!/usr/bin/env bash
# A long fuzzing campaign, outside the default test run: every Jazzer fuzz target for FUZZ_RUNS inputs each
# (default 10^7), starting from its committed seed corpus and keeping the corpus it grows in fuzz/work/.
# A finding stops that target and leaves its input in fuzz/work/findings/; turn it into a regression seed.
#
# Usage: fuzz/campaign.sh [target-regex]      e.g. fuzz/campaign.sh ClientHello
# Settings (environment): FUZZ_RUNS (default 10000000), FUZZ_JOBS (targets run at once, default 1),
# FUZZ_MAX_DURATION (a time cap per target, default 6h; it overrides the 5m of the @FuzzTest annotations).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${FUZZ_RUNS:-10000000}
jobs=${FUZZ_JOBS:-1}
max_duration=${FUZZ_MAX_DURATION:-6h}
filter=${1:-.}
work="$root/fuzz/work"
mkdir -p "$work/findings" "$work/logs"

# module | test class | method | seed directory (src/test/resources of the module)
targets=(
  "proxy-core|io.snipool.core.tls.ClientHelloFuzzTest|anyFirstFlight"
  "proxy-core|io.snipool.core.tls.ClientHelloFuzzTest|anyMessageInRecords"
  "proxy-core|io.snipool.core.tls.ClientHelloFuzzTest|anyClientHelloBody"
  "proxy-core|io.snipool.core.http.RequestDecoderFuzzTest|anyClientBytes"
  "proxy-config|io.snipool.config.ConfigLoaderFuzzTest|anyText"
)

echo "building test classes and class paths"
# One reactor build (-am): proxy-core's class path then names proxy-config's classes instead of a snapshot jar that
# only `mvn install` would have put in the local repository.
./mvnw -q -o -DskipTests -pl proxy-config,proxy-core -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/fuzz.classpath > /dev/null
for module in proxy-config proxy-core; do cp "$root/$module/target/fuzz.classpath" "$work/$module.classpath"; done

run_target() {
  local module=$1 class=$2 method=$3
  local cp="$root/$module/target/test-classes:$root/$module/target/classes:$root/proxy-config/target/classes:$(cat "$work/$module.classpath")"
  local seeds="$root/$module/src/test/resources/$(echo "${class%.*}" | tr . /)/${class##*.}Inputs/$method"
  local corpus="$work/corpus/${class##*.}-$method"
  local hooks=""
  # Route regexes are compiled from the operator's file by design (see proxy-config/pom.xml).
  [ "$module" = proxy-config ] && hooks="--disabled_hooks=com.code_intelligence.jazzer.sanitizers.RegexInjection"
  mkdir -p "$corpus"
  echo "fuzzing ${class##*.}.$method for $runs inputs (log: fuzz/work/logs/${class##*.}-$method.log)"
  local started=$SECONDS
  if java -Xmx1g -cp "$cp" com.code_intelligence.jazzer.Jazzer --target_class="$class" --target_method="$method" \
      --instrumentation_includes='io.snipool.**' $hooks --reproducer_path="$work/findings" \
      --max_duration="$max_duration" \
      -runs="$runs" -artifact_prefix="$work/findings/${class##*.}-$method-" -print_final_stats=1 \
      "$corpus" "$seeds" > "$work/logs/${class##*.}-$method.log" 2>&1; then
    echo "done  ${class##*.}.$method: $(grep -E '^stat::number_of_executed_units' "$work/logs/${class##*.}-$method.log" \
      | awk '{print $2}') inputs in $((SECONDS - started)) s, no finding"
  else
    echo "FOUND ${class##*.}.$method: see fuzz/work/logs/${class##*.}-$method.log and fuzz/work/findings/"
    return 1
  fi
}

failed=0
running=0
for entry in "${targets[@]}"; do
  IFS='|' read -r module class method <<<"$entry"
  [[ "$class.$method" =~ $filter ]] || continue
  run_target "$module" "$class" "$method" || failed=1 &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
wait || failed=1
exit "$failed"
