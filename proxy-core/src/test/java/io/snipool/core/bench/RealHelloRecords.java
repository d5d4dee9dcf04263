package io.snipool.core.bench;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.List;

/**
 * The real ClientHellos of the parser tests ({@code io.snipool.core.tls.RealHellos}): the JDK's and BouncyCastle's
 * TLS clients generated at run time, and a captured curl/OpenSSL 3 hello. That class is package-private to the
 * tests of {@code io.snipool.core.tls}, so it is reached by reflection here rather than copied: the benchmarks
 * parse exactly the bytes the tests check.
 */
final class RealHelloRecords {

    /** The names accepted by {@link #records(String)}, for {@code @Param}. */
    static final List<String> NAMES = List.of("jdk-tls13", "jdk-tls12", "bouncycastle-pq", "curl-openssl3");

    private static final String REAL_HELLOS = "io.snipool.core.tls.RealHellos";
    private static final String[] ALPN = {"h2", "http/1.1"};

    private RealHelloRecords() {
    }

    /** The TLS records of one real hello, and the server name it carries. */
    record Hello(byte[] records, String serverName) {
    }

    static Hello records(String name) {
        try {
            Class<?> realHellos = Class.forName(REAL_HELLOS);
            return switch (name) {
                case "jdk-tls13" -> new Hello(jdk(realHellos, "api.example.com", "TLSv1.3", "TLSv1.2"),
                        "api.example.com");
                case "jdk-tls12" -> new Hello(jdk(realHellos, "legacy.example.org", "TLSv1.2"), "legacy.example.org");
                case "bouncycastle-pq" -> new Hello(bouncyCastle(realHellos, "pq.example.net"), "pq.example.net");
                case "curl-openssl3" -> new Hello(captured(realHellos, "CURL_OPENSSL_3"), "www.example.com");
                default -> throw new IllegalArgumentException("unknown hello " + name + "; one of " + NAMES);
            };
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(REAL_HELLOS + " no longer offers what the benchmark needs: " + e, e);
        }
    }

    private static byte[] jdk(Class<?> realHellos, String serverName, String... protocols)
            throws ReflectiveOperationException {
        Method jdk = realHellos.getDeclaredMethod("jdk", String.class, String[].class, String[].class);
        jdk.setAccessible(true);
        return (byte[]) jdk.invoke(null, serverName, protocols, ALPN);
    }

    private static byte[] bouncyCastle(Class<?> realHellos, String serverName) throws ReflectiveOperationException {
        Method bouncyCastle = realHellos.getDeclaredMethod("bouncyCastle", String.class, String[].class);
        bouncyCastle.setAccessible(true);
        return (byte[]) bouncyCastle.invoke(null, serverName, ALPN);
    }

    private static byte[] captured(Class<?> realHellos, String field) throws ReflectiveOperationException {
        Field hex = realHellos.getDeclaredField(field);
        hex.setAccessible(true);
        return ((byte[]) hex.get(null)).clone();
    }
}
