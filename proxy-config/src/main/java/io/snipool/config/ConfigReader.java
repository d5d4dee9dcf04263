package io.snipool.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.Node;

/** Turns the YAML tree into {@link ProxyConfig}, recording every problem instead of stopping at the first. */
final class ConfigReader {

    private static final Duration MIN_TIMEOUT = Duration.ofMillis(1);
    private static final Duration MAX_TIMEOUT = Duration.ofDays(7);
    /** A literal {@code host:port} to listen on; port 0 is an ephemeral port. Templates belong to backends only. */
    private static final ValueParser<HostPort> BIND_ADDRESS = text -> text.contains("${")
            ? new ValueParser.Parsed.Refused<>("templates such as ${host} are only allowed in backends")
            : ValueParser.throwing(literal -> HostPort.parse(literal, 0)).parse(text);

    private final Problems problems;
    private final Problems warnings;
    private final EnvSubstitution env;
    private final TlsConfigReader tls;
    private final BackendPolicyReader backendPolicies;
    private final HealthConfigReader health;
    private final PoolConfigReader pools;

    ConfigReader(Problems problems, Problems warnings, EnvSubstitution env, TlsConfigReader tls) {
        this.problems = problems;
        this.warnings = warnings;
        this.env = env;
        this.tls = tls;
        this.backendPolicies = new BackendPolicyReader(problems, warnings);
        this.health = new HealthConfigReader(problems);
        this.pools = new PoolConfigReader(problems);
    }

    ProxyConfig read(Node root) {
        YamlMap top = YamlMap.of("", root, problems, env);
        if (top.node() == null) {
            if (problems.isEmpty()) {
                // A document that is only a null ("~", or an anchor with no value): found by fuzzing.
                problems.add("", root, "the file holds no settings; at least one listener is required");
            }
            return null;
        }
        PoolSettings pool = pools.read(top.map("pool"), PoolSettings.defaults(), true);
        Timeouts timeouts = readTimeouts(top.map("timeouts"));
        Limits limits = readLimits(top.map("limits"));
        Http2Limits http2 = Http2LimitsReader.read(top.map("http2"));
        MetricsConfig metrics = readMetrics(top.map("metrics"));
        ShutdownConfig shutdown = readShutdown(top.map("shutdown"));
        AccessLogConfig accessLog = readAccessLog(top.map("access_log"));
        ForwardedConfig forwarded = readForwarded(top.map("forwarded"));
        LoggingConfig logging = readLogging(top.map("logging"));
        YamlMap reloadMap = top.map("reload");
        ReloadConfig reload = new ReloadConfig(reloadMap.bool("watch", false),
                reloadMap.duration("watch_delay", ReloadConfig.DEFAULT_WATCH_DELAY, Duration.ZERO, Duration.ofMinutes(1)));
        reloadMap.finish();
        Transport transport = top.choice("transport", Transport.DEFAULT, Transport.class);
        AcceptMode accept = top.choice("accept", AcceptMode.DEFAULT, AcceptMode.class);
        BackendPolicy backendDefaults = backendPolicies.defaults(top);
        HealthConfigReader.Defaults healthDefaults = health.defaults(top);

        List<ListenerConfig> listeners = new ArrayList<>();
        ListenerSetCheck listenerSet = new ListenerSetCheck(problems, metrics.bind());
        List<YamlMap> listenerNodes = top.mapList("listeners");
        for (YamlMap listenerMap : listenerNodes) {
            ListenerConfig listener = readListener(listenerMap, pool, backendDefaults, healthDefaults, listenerSet);
            if (listener != null) {
                listeners.add(listener);
            }
        }
        if (listenerNodes.isEmpty()) {
            problems.add("listeners", top.has("listeners") ? top.take("listeners") : root,
                    "at least one listener is required");
        }
        top.finish();
        return new ProxyConfig(listeners, pool, timeouts, limits, http2, metrics, shutdown, accessLog, forwarded,
                logging, reload, transport, accept, warnings.inFileOrder());
    }

    private Timeouts readTimeouts(YamlMap map) {
        Timeouts timeouts = new Timeouts(
                map.duration("client_hello", Timeouts.DEFAULT_CLIENT_HELLO, MIN_TIMEOUT, Duration.ofMinutes(10)),
                map.duration("request_head", Timeouts.DEFAULT_REQUEST_HEAD, MIN_TIMEOUT, Duration.ofMinutes(10)),
                map.duration("connect", Timeouts.DEFAULT_CONNECT, MIN_TIMEOUT, Duration.ofMinutes(10)),
                map.duration("idle", Timeouts.DEFAULT_IDLE, MIN_TIMEOUT, MAX_TIMEOUT),
                map.duration("response_header", Timeouts.DEFAULT_RESPONSE_HEADER, MIN_TIMEOUT, Duration.ofHours(1)),
                map.value("defer_accept", Timeouts.DEFAULT_DEFER_ACCEPT,
                        ValueParser.wholeSeconds(Duration.ZERO, Timeouts.MAX_DEFER_ACCEPT)),
                map.duration("lingering_time", Timeouts.DEFAULT_LINGERING_TIME, Duration.ZERO, Timeouts.MAX_LINGERING),
                map.duration("lingering_timeout", Timeouts.DEFAULT_LINGERING_TIMEOUT, Duration.ZERO,
                        Timeouts.MAX_LINGERING));
        map.finish();
        return timeouts;
    }

    private Limits readLimits(YamlMap map) {
        Limits limits = new Limits(
                map.intValue("max_connections", Limits.DEFAULT_MAX_CONNECTIONS, 1, 10_000_000),
                // A handshake message is at most 4 + 2^24 - 1 bytes (RFC 8446 §4: uint24 length).
                map.size("max_client_hello_bytes", Limits.DEFAULT_MAX_CLIENT_HELLO_BYTES, 1024, 16 * 1024 * 1024),
                map.size("max_request_head_bytes", Limits.DEFAULT_MAX_REQUEST_HEAD_BYTES, 1024, 1024 * 1024),
                map.intValue("max_headers", Limits.DEFAULT_MAX_HEADERS, 1, 10_000),
                map.size("max_response_head_bytes", Limits.DEFAULT_MAX_RESPONSE_HEAD_BYTES, 1024, 1024 * 1024),
                map.size("max_retry_body_bytes", Limits.DEFAULT_MAX_RETRY_BODY_BYTES, 0, 16 * 1024 * 1024));
        map.finish();
        return limits;
    }

    private MetricsConfig readMetrics(YamlMap map) {
        HostPort bind = map.value("bind", MetricsConfig.DEFAULT_BIND, BIND_ADDRESS);
        int history = map.intValue("pool_event_history", MetricsConfig.DEFAULT_POOL_EVENT_HISTORY, 0, 100_000);
        List<Cidr> allow = map.list("allow", Cidr::parse);
        Optional<String> token = Optional.ofNullable(map.value("token", null, MetricsConfig::parseToken));
        MetricsConfig metrics = new MetricsConfig(bind, history, allow, token);
        if (!metrics.loopbackOnly() && token.isEmpty()) {
            warnings.add(map.child("bind"), map.keyNode("bind"), "the admin server is bound beyond loopback and"
                    + " metrics.token is not set: POST /api/reload is refused to every client (set a token from"
                    + " ${env:...} to allow it)");
        }
        if (!metrics.loopbackOnly() && allow.isEmpty()) {
            warnings.add(map.child("bind"), map.keyNode("bind"), "the admin server is bound beyond loopback and"
                    + " metrics.allow is empty: anyone who can reach it reads the metrics and the APIs (list the"
                    + " scrapers' networks in metrics.allow)");
        }
        map.finish();
        return metrics;
    }

    private ShutdownConfig readShutdown(YamlMap map) {
        ShutdownConfig shutdown = new ShutdownConfig(
                map.duration("grace_period", ShutdownConfig.DEFAULT_GRACE_PERIOD, Duration.ZERO, Duration.ofMinutes(10)),
                map.duration("drain_timeout", ShutdownConfig.DEFAULT_DRAIN_TIMEOUT, Duration.ZERO, Duration.ofHours(1)));
        map.finish();
        return shutdown;
    }

    private AccessLogConfig readAccessLog(YamlMap map) {
        boolean enabled = map.bool("enabled", AccessLogConfig.DEFAULT_ENABLED);
        String path = map.string("path", AccessLogConfig.STDOUT);
        if (path.isBlank()) {
            problems.add(map.child("path"), map.keyNode("path"), "must be \"-\" (standard output) or a file path");
        }
        AccessLogConfig.Format format = map.choice("format", AccessLogConfig.Format.JSON,
                AccessLogConfig.Format.class);
        List<AccessLogField> fields = AccessLogConfig.DEFAULT_FIELDS;
        if (map.has("fields")) {
            fields = readAccessLogFields(map, format);
        }
        map.finish();
        return new AccessLogConfig(enabled, path, format, fields);
    }

    /** The {@code fields} list: known names, each once, at least one; only for {@code json} lines. */
    private List<AccessLogField> readAccessLogFields(YamlMap map, AccessLogConfig.Format format) {
        if (format == AccessLogConfig.Format.COMBINED) {
            problems.add(map.child("fields"), map.keyNode("fields"), "fields selects the fields of json lines;"
                    + " the combined format is fixed (remove fields, or use format: json)");
            return AccessLogConfig.DEFAULT_FIELDS;
        }
        List<AccessLogField> fields = map.list("fields", AccessLogField::parse);
        boolean everyEntryRead = fields.size() == map.listSize("fields");
        for (int i = 0; i < fields.size(); i++) {
            if (fields.indexOf(fields.get(i)) < i) {
                problems.add(everyEntryRead ? map.child("fields") + "[" + i + "]" : map.child("fields"),
                        map.listItem("fields", everyEntryRead ? i : Integer.MAX_VALUE), "field '"
                        + fields.get(i).key() + "' is listed twice");
            }
        }
        map.requireNonEmpty("fields", fields);
        return fields.isEmpty() ? AccessLogConfig.DEFAULT_FIELDS : fields;
    }

    private ForwardedConfig readForwarded(YamlMap map) {
        ForwardedConfig forwarded = new ForwardedConfig(map.list("trusted_proxies", Cidr::parse));
        map.finish();
        return forwarded;
    }

    private LoggingConfig readLogging(YamlMap map) {
        LoggingConfig logging = new LoggingConfig(
                map.choice("level", LoggingConfig.Level.INFO, LoggingConfig.Level.class),
                map.choice("format", LoggingConfig.Format.PLAIN, LoggingConfig.Format.class));
        map.finish();
        return logging;
    }

    /** The listener, or null if it is too broken to build (its problems are recorded). */
    private ListenerConfig readListener(YamlMap map, PoolSettings globalPool, BackendPolicy backendDefaults,
                                        HealthConfigReader.Defaults healthDefaults,
                                        ListenerSetCheck listenerSet) {
        String name = map.requiredString("name");
        if (name != null && !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")) {
            problems.add(map.child("name"), map.take("name"), "'" + name
                    + "' is not a listener name (1-63 letters, digits, '_', '.', '-', starting with a letter or"
                    + " digit)");
            name = null;
        }
        HostPort bind = map.value("bind", null, BIND_ADDRESS);
        if (!map.has("bind")) {
            problems.add(map.child("bind"), map.node(), "required key 'bind' is missing");
        }
        listenerSet.add(map, name, bind);
        ListenerConfig.Mode mode = null;
        if (map.has("mode")) {
            mode = map.choice("mode", null, ListenerConfig.Mode.class);
        } else {
            problems.add(map.child("mode"), map.node(), "required key 'mode' is missing (tls or http)");
        }
        boolean proxyProtocolIn = map.bool("proxy_protocol_in", false);
        List<Cidr> allow = map.list("allow", Cidr::parse);
        List<Cidr> deny = map.list("deny", Cidr::parse);
        ListenerConfig.ForwardedHeaders forwarded = map.choice("forwarded_headers",
                ListenerConfig.ForwardedHeaders.X_FORWARDED, ListenerConfig.ForwardedHeaders.class);
        // A tls listener with a tls: block terminates some routes, whose requests carry forwarding headers.
        if (mode == ListenerConfig.Mode.TLS && map.has("forwarded_headers") && !map.has("tls")) {
            problems.add(map.child("forwarded_headers"), map.keyNode("forwarded_headers"), "forwarded_headers"
                    + " applies only to http listeners; a tls listener never reads or changes the bytes it tunnels");
        }

        ListenerConfig.Http2 http2 = map.choice("http2", ListenerConfig.DEFAULT_HTTP2, ListenerConfig.Http2.class);
        if (mode == ListenerConfig.Mode.TLS && map.has("http2")) {
            problems.add(map.child("http2"), map.keyNode("http2"), "http2 applies only to http listeners; a tls"
                    + " listener negotiates HTTP/2 with ALPN (tls.alpn)");
        }

        ClientLimits clientLimits = new ClientLimits(
                map.intValue("max_connections_per_ip", ClientLimits.DEFAULT_MAX_CONNECTIONS_PER_IP, 0, 10_000_000),
                map.intValue("new_connections_per_ip", ClientLimits.DEFAULT_NEW_CONNECTIONS_PER_SECOND, 0,
                        10_000_000),
                map.intValue("new_connections_burst_per_ip", ClientLimits.DEFAULT_NEW_CONNECTIONS_BURST, 1,
                        10_000_000),
                map.intValue("ipv6_group_prefix", ClientLimits.DEFAULT_IPV6_PREFIX, 1, 128));
        Optional<TlsSettings> tlsSettings = tls.listenerTls(map, mode);
        List<RouteConfig> routes = new ArrayList<>();
        if (!map.has("routes")) {
            problems.add(map.child("routes"), map.node(), "at least one route is required");
        }
        List<YamlMap> routeMaps = map.mapList("routes");
        for (YamlMap routeMap : routeMaps) {
            routes.add(readRoute(routeMap, globalPool, backendDefaults, healthDefaults, mode));
        }
        map.finish();
        new RouteTableCheck(problems).check(map, routeMaps, routes);
        tls.checkRoutes(map, mode, tlsSettings, routeMaps, routes);
        if (name == null || bind == null || mode == null) {
            return null;
        }
        return new ListenerConfig(name, bind, mode, proxyProtocolIn, allow, deny, routes, forwarded,
                clientLimits, tlsSettings, http2);
    }

    /** Always a route, with whichever of its hosts and backends could be read, for the checks across routes. */
    private RouteConfig readRoute(YamlMap map, PoolSettings globalPool, BackendPolicy backendDefaults,
                                  HealthConfigReader.Defaults healthDefaults,
                                  ListenerConfig.Mode mode) {
        List<HostPattern> hosts = map.list("hosts", text -> {
            if (text.contains("${") && !text.startsWith("~")) {
                throw new IllegalArgumentException("'" + text + "': templates such as ${host} are only allowed in"
                        + " backends");
            }
            return HostPattern.parse(text);
        });
        List<BackendPolicyReader.Entry> backendEntries = backendPolicies.backends(map);
        List<BackendTemplate> backends = BackendPolicyReader.templates(backendEntries);
        map.requireNonEmpty("hosts", hosts);
        map.requireNonEmpty("backends", backends);
        boolean terminate = tls.terminate(map, mode);
        // A route is pooled when snipool reads its requests: every route of an http listener, and a terminating
        // route of a tls listener. A passthrough route tunnels each client connection to a backend socket of its own.
        boolean pooled = mode == ListenerConfig.Mode.HTTP || terminate;
        ProxyProtocol proxyProtocol = map.choice("proxy_protocol", ProxyProtocol.NONE, ProxyProtocol.class);
        if (pooled && proxyProtocol != ProxyProtocol.NONE) {
            problems.add(map.child("proxy_protocol"), map.take("proxy_protocol"), "proxy_protocol is only supported"
                    + " on passthrough routes of tls listeners: a pooled HTTP backend connection carries requests of"
                    + " many clients");
        }
        PoolSettings pool = globalPool;
        if (map.has("pool")) {
            if (mode == ListenerConfig.Mode.TLS && !terminate) {
                problems.add(map.child("pool"), map.keyNode("pool"), "pool settings apply only to pooled routes"
                        + " (http listeners, terminate: true); a passthrough route tunnels each connection to its"
                        + " own backend socket");
            }
            pool = pools.read(map.map("pool"), globalPool, false);
        }
        boolean allowPrivate = map.bool("allow_private_targets", false);
        Optional<BackendTlsConfig> backendTls = tls.backendTls(map, mode, terminate, hosts);
        BackendPolicy backendPolicy = backendPolicies.route(map, backendDefaults,
                BackendPolicyReader.shares(backendEntries), mode == ListenerConfig.Mode.TLS && !terminate);
        BackendHealthConfig backendHealth = health.route(map, healthDefaults,
                !pooled || backendTls.isPresent());
        BackendProtocol backendProtocol = backendProtocol(map, pooled, backendTls.isPresent());
        if (backendProtocol.multiplexed() && backendHealth.check().map(HealthCheckConfig::type)
                .filter(type -> type == HealthCheckConfig.Type.HTTP).isPresent()) {
            // NettyProber's GET speaks HTTP/1.1: an HTTP/2 backend would fail every check and be marked down.
            problems.add(map.child("backend_protocol"), map.keyNode("backend_protocol"), "a health_check of type: http"
                    + " speaks HTTP/1.1, which a backend_protocol " + backendProtocol.name().toLowerCase(Locale.ROOT)
                    + " backend does not; use type: tcp or type: tls (passive outlier_detection sees every request)");
        }
        map.finish();
        return new RouteConfig(hosts, backends, proxyProtocol, pool, allowPrivate, terminate, backendTls,
                backendPolicy, backendHealth, backendProtocol);
    }

    /**
     * A route's {@code backend_protocol}: {@code h2} is HTTP/2 inside {@code backend_tls} (chosen by ALPN), {@code h2c}
     * HTTP/2 on plain TCP (prior knowledge, RFC 9113 §3.3), so each needs, or refuses, {@code backend_tls}. A
     * passthrough route relays bytes and speaks no HTTP to its backend.
     */
    private BackendProtocol backendProtocol(YamlMap map, boolean pooled, boolean backendTls) {
        if (!map.has("backend_protocol")) {
            return BackendProtocol.DEFAULT;
        }
        BackendProtocol protocol = map.choice("backend_protocol", BackendProtocol.DEFAULT, BackendProtocol.class);
        String problem = null;
        if (!pooled) {
            problem = "backend_protocol applies only to pooled routes (http listeners, terminate: true); a passthrough"
                    + " route relays the client's bytes and speaks no HTTP to its backend";
        } else if (protocol == BackendProtocol.H2 && !backendTls) {
            problem = "backend_protocol: h2 needs backend_tls (HTTP/2 over TLS, chosen by ALPN); use h2c for HTTP/2"
                    + " on plain TCP";
        } else if (protocol == BackendProtocol.H2C && backendTls) {
            problem = "backend_protocol: h2c is HTTP/2 on plain TCP and refuses backend_tls; use h2 for HTTP/2 over"
                    + " TLS";
        }
        if (problem != null) {
            problems.add(map.child("backend_protocol"), map.keyNode("backend_protocol"), problem);
            return BackendProtocol.DEFAULT;
        }
        return protocol;
    }
}
