/**
 * JMH microbenchmarks of the hot paths: ClientHello parsing, route lookup, pool lease and release, and the HTTP
 * request-head check beside Netty's decoder. They live with the tests only to share the test classpath and the
 * real ClientHello fixtures; no class here is a test, surefire never runs them, and the annotation processor only
 * generates their harness. Run them with {@code bench/jmh.sh [regex]} (see bench/README.md).
 */
package io.snipool.core.bench;
