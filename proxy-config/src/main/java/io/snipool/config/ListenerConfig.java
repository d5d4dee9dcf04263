package io.snipool.config;

import java.util.List;
import java.util.Optional;

/**
 * One listening socket and its routing table.
 *
 * @param name            unique; used in logs and metric labels
 * @param proxyProtocolIn accept a PROXY v1/v2 header from a load balancer in front
 * @param allow           client networks allowed; empty allows all
 * @param deny            client networks refused; wins over {@code allow}
 * @param forwardedHeaders which headers an HTTP listener adds to tell backends about the client
 * @param clientLimits     per-client-address connection limits
 * @param tls              a TLS listener's certificates and settings for its terminating routes, if it has any
 * @param http2            whether an http listener takes h2c with prior knowledge; TLS negotiates it with ALPN
 */
public record ListenerConfig(String name, HostPort bind, Mode mode, boolean proxyProtocolIn, List<Cidr> allow,
                             List<Cidr> deny, List<RouteConfig> routes, ForwardedHeaders forwardedHeaders,
                             ClientLimits clientLimits, Optional<TlsSettings> tls, Http2 http2) {

    /** {@code tls}: route by ClientHello SNI and tunnel; {@code http}: route each request by Host. */
    public enum Mode { TLS, HTTP }

    /**
     * {@code x_forwarded}: append to {@code X-Forwarded-For}, set {@code X-Forwarded-Proto} and
     * {@code X-Forwarded-Host}; {@code forwarded}: append an RFC 7239 {@code Forwarded} element; {@code none}.
     */
    public enum ForwardedHeaders { X_FORWARDED, FORWARDED, NONE }

    /**
     * {@code http2} of an http listener: {@code off} serves HTTP/1.1 only; {@code prior_knowledge} also serves a
     * connection that opens with the HTTP/2 client preface (RFC 9113 §3.3, h2c without the Upgrade dance).
     */
    public enum Http2 { OFF, PRIOR_KNOWLEDGE }

    /** {@code http2: off} unless configured. */
    public static final Http2 DEFAULT_HTTP2 = Http2.OFF;

    public ListenerConfig {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
        routes = List.copyOf(routes);
    }

    /** A listener with the default {@code http2} ({@link #DEFAULT_HTTP2}). */
    public ListenerConfig(String name, HostPort bind, Mode mode, boolean proxyProtocolIn, List<Cidr> allow,
                          List<Cidr> deny, List<RouteConfig> routes, ForwardedHeaders forwardedHeaders,
                          ClientLimits clientLimits, Optional<TlsSettings> tls) {
        this(name, bind, mode, proxyProtocolIn, allow, deny, routes, forwardedHeaders, clientLimits, tls,
                DEFAULT_HTTP2);
    }
}
