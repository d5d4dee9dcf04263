#!/usr/bin/env bash
# Builds a trimmed Java runtime with only the modules snipool uses, for bin/snipool and the container image.
#
# Usage: deploy/jlink.sh [JAR] [OUTPUT]   (defaults: proxy-app/target/snipool.jar, runtime/ at the repository root)
# bin/snipool runs on OUTPUT/bin/java when it is at ../runtime next to it and JAVA_HOME is not set.
# Needs a JDK 17 (jdeps and jlink) on PATH or in JAVA_HOME; the runtime is for this OS and CPU only.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jar=${1:-$root/proxy-app/target/snipool.jar}
out=${2:-$root/runtime}
bin=${JAVA_HOME:+$JAVA_HOME/bin/}
[ -f "$jar" ] || { echo "jlink.sh: no jar at $jar (./mvnw -q -DskipTests package)" >&2; exit 2; }

# What the code refers to (jdeps over the shaded jar: snipool, Vert.x, Netty, Micrometer, snakeyaml, BouncyCastle),
# plus what is only found at run time: the EC and XDH algorithms of the JDK's TLS (jdk.crypto.ec on 17), the
# DNS name service provider, and jcmd's attach target for diagnostics (jdk.attach is not needed inside).
# Left out although jdeps lists them, because only code snipool never loads refers to them: java.desktop
# (java.beans, in Micrometer's logging binders), java.sql (Micrometer's database binders, BouncyCastle's LDAP
# certificate store) and java.compiler (Vert.x's Java-source verticles). The e2e scripts pass on this runtime.
found=$("${bin}jdeps" --print-module-deps --ignore-missing-deps --multi-release 17 "$jar")
modules=$(tr ',' '\n' <<< "$found,java.logging,jdk.crypto.ec,jdk.naming.dns,jdk.management.agent" \
  | grep -vxE 'java\.desktop|java\.sql|java\.compiler' | sort -u | paste -sd, -)
echo "modules: $modules"

rm -rf "$out"
"${bin}jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 \
  --generate-cds-archive --output "$out"
du -sh "$out" | sed 's/^/runtime size: /'
