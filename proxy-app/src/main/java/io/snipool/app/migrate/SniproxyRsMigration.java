package io.snipool.app.migrate;

import io.snipool.config.HostPattern;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * SNIProxy-rs's YAML configuration (its {@code sniproxy-config} crate) as a snipool configuration. SNIProxy-rs
 * tunnels every connection to the name it asked for, TLS on port 443 and HTTP on the Host header's port (80 by
 * default), refusing names outside {@code allowlist} when one is set; that is one route per listener whose backend is
 * the {@code ${host}} template and whose hosts are the allowlist.
 */
public final class SniproxyRsMigration {

    /** Ports SNIProxy-rs users put HTTP on; any other listen address becomes a TLS listener. */
    private static final Set<Integer> HTTP_PORTS = Set.of(80, 8080);
    private static final int TLS_PORT = 443;
    private static final int HTTP_PORT = 80;

    private final List<String> notes = new ArrayList<>();
    private final List<MigratedConfig.Section> sections = new ArrayList<>();

    private SniproxyRsMigration() {
    }

    /** The snipool configuration equivalent to {@code yaml}. */
    public static MigratedConfig migrate(String yaml) throws MigrationException {
        return new SniproxyRsMigration().run(YamlNodes.root(yaml));
    }

    private MigratedConfig run(Node root) throws MigrationException {
        Map<String, YamlNodes.Keyed> keys = YamlNodes.mapping(root, "the file");
        if (!keys.containsKey("listen_addrs")) {
            throw new MigrationException(YamlNodes.line(root), "listen_addrs is required");
        }
        Node listenAddrs = keys.get("listen_addrs").value();
        List<String> hosts = keys.containsKey("allowlist") ? allowlist(keys.get("allowlist")) : List.of("*");
        List<MigratedConfig.Setting> timeouts = new ArrayList<>();
        List<MigratedConfig.Setting> limits = new ArrayList<>();
        List<MigratedConfig.Setting> shutdown = new ArrayList<>();
        for (Map.Entry<String, YamlNodes.Keyed> entry : keys.entrySet()) {
            Node value = entry.getValue().value();
            int line = entry.getValue().line();
            switch (entry.getKey()) {
                case "listen_addrs", "allowlist" -> {
                    // read above: every listener needs the allowlist
                }
                case "timeouts" -> timeouts.addAll(timeouts(value));
                case "metrics" -> metrics(value);
                case "max_connections" -> limits.add(Bounded.count("max_connections",
                        YamlNodes.whole(value, "max_connections", 1), Bounded.MAX_CONNECTIONS));
                case "shutdown_timeout" -> shutdown.add(Bounded.seconds("drain_timeout",
                        YamlNodes.whole(value, "shutdown_timeout", 0), Bounded.ONE_HOUR, "shutdown_timeout"));
                case "connection_pool" -> pool(value);
                case "udp_listen_addrs", "quic_config", "http3_config" -> notes.add(notMigrated(entry.getKey(), line,
                        "snipool serves TCP only: no QUIC or HTTP/3"));
                case "protocol_routing" -> notes.add(notMigrated(entry.getKey(), line, "snipool routes HTTP by its"
                        + " Host header whatever the application protocol; Socket.IO, JSON-RPC, XML-RPC, SOAP and RPC"
                        + " requests pass through as HTTP"));
                case "ssh_routes" -> notes.add(notMigrated(entry.getKey(), line,
                        "SSH carries no name to route by; snipool routes TLS by SNI and HTTP by Host only"));
                default -> notes.add(notMigrated(entry.getKey(), line, "SNIProxy-rs ignores keys it does not know"));
            }
        }
        addSection("timeouts", timeouts, List.of());
        addSection("limits", limits, List.of());
        addSection("shutdown", shutdown, List.of());
        return new MigratedConfig(notes, listeners(listenAddrs, hosts), sections);
    }

    private List<MigratedConfig.Listener> listeners(Node listenAddrs, List<String> hosts) throws MigrationException {
        List<MigratedConfig.Listener> listeners = new ArrayList<>();
        for (Node item : YamlNodes.sequence(listenAddrs, "listen_addrs")) {
            String bind = YamlNodes.scalar(item, "a listen address");
            int colon = bind.lastIndexOf(':');
            int port = colon < 0 ? -1 : Backends.port(bind.substring(colon + 1), YamlNodes.line(item));
            if (port < 0) {
                throw new MigrationException(YamlNodes.line(item), "listen address '" + bind + "' has no port");
            }
            boolean http = HTTP_PORTS.contains(port);
            String mode = http ? "http" : "tls";
            List<String> listenerNotes = new ArrayList<>();
            listenerNotes.add("from line " + YamlNodes.line(item) + ": " + bind);
            listenerNotes.add("SNIProxy-rs tells TLS from HTTP on every connection; a snipool listener serves one. "
                    + "Port " + port + " made this one " + mode + ": change 'mode' if this port carries "
                    + (http ? "TLS" : "plain HTTP") + ".");
            List<String> routeNotes = new ArrayList<>();
            routeNotes.add(Backends.PRIVATE_TARGETS_NOTE);
            if (http) {
                routeNotes.add("SNIProxy-rs connected to the port in the Host header (80 when there is none);"
                        + " snipool's backend port is written here, so a Host with another port also goes to 80.");
            }
            if (!hosts.equals(List.of("*"))) {
                routeNotes.add("the allowlist as this route's hosts: a name no route matches is refused ("
                        + (http ? "421 Misdirected Request" : "TLS alert unrecognized_name") + ").");
            }
            String backend = "${host}:" + (http ? HTTP_PORT : TLS_PORT);
            listeners.add(new MigratedConfig.Listener(mode + "-" + port, bind, mode, listenerNotes,
                    List.of(new MigratedConfig.Route(hosts, List.of(backend), "none", routeNotes))));
        }
        if (listeners.isEmpty()) {
            throw new MigrationException(YamlNodes.line(listenAddrs), "listen_addrs is empty");
        }
        return listeners;
    }

    /**
     * SNIProxy-rs's patterns: {@code *} is every name, {@code *.example.com} is example.com and every name below it,
     * {@code *api.com} is every name ending in {@code api.com}, anything else an exact name.
     */
    private List<String> allowlist(YamlNodes.Keyed allowlist) throws MigrationException {
        Node node = allowlist.value();
        Set<String> hosts = new LinkedHashSet<>();
        for (Node item : YamlNodes.sequence(node, "allowlist")) {
            String pattern = YamlNodes.scalar(item, "an allowlist entry").toLowerCase(Locale.ROOT);
            if (pattern.equals("*")) {
                return List.of("*");
            } else if (pattern.startsWith("*.")) {
                hosts.add(pattern);
                hosts.add(pattern.substring(2));
            } else if (pattern.startsWith("*")) {
                String suffix = pattern.substring(1);
                notes.add("allowlist '" + pattern + "' (line " + YamlNodes.line(item) + ") matched every name ending"
                        + " in '" + suffix + "' (my" + suffix + " too): migrated as a regex.");
                hosts.add("~^.*" + (suffix.matches("[a-z0-9.-]+") ? suffix.replace(".", "\\.")
                        : Pattern.quote(suffix)) + "$");
            } else {
                hosts.add(pattern);
            }
        }
        if (hosts.isEmpty()) {
            throw new MigrationException(YamlNodes.line(node),
                    "allowlist is empty: SNIProxy-rs refuses every name, and a snipool listener needs a route");
        }
        List<String> valid = new ArrayList<>();
        for (String host : hosts) {
            try {
                HostPattern.parse(host);
                valid.add(host);
            } catch (IllegalArgumentException e) {
                notes.add("not migrated: allowlist entry '" + host + "', because " + e.getMessage());
            }
        }
        if (valid.isEmpty()) {
            throw new MigrationException(YamlNodes.line(node), "no allowlist entry is a host name snipool can route");
        }
        return valid;
    }

    private List<MigratedConfig.Setting> timeouts(Node node) throws MigrationException {
        List<MigratedConfig.Setting> settings = new ArrayList<>();
        for (Map.Entry<String, YamlNodes.Keyed> entry : YamlNodes.mapping(node, "timeouts").entrySet()) {
            String key = entry.getKey();
            long seconds = YamlNodes.whole(entry.getValue().value(), "timeouts." + key, 1);
            switch (key) {
                case "connect" -> settings.add(Bounded.seconds("connect", seconds, Bounded.TEN_MINUTES, key));
                case "client_hello" -> {
                    settings.add(Bounded.seconds("client_hello", seconds, Bounded.TEN_MINUTES, key));
                    settings.add(Bounded.seconds("request_head", seconds, Bounded.TEN_MINUTES,
                            key + ", which SNIProxy-rs also gave the HTTP request head"));
                }
                case "idle" -> settings.add(Bounded.seconds("idle", seconds, Bounded.SEVEN_DAYS, key));
                default -> notes.add(notMigrated("timeouts." + key, entry.getValue().line(),
                        "SNIProxy-rs has no such timeout"));
            }
        }
        return settings;
    }

    private void metrics(Node node) throws MigrationException {
        Map<String, YamlNodes.Keyed> keys = YamlNodes.mapping(node, "metrics");
        boolean enabled = keys.containsKey("enabled")
                && YamlNodes.bool(keys.get("enabled").value(), "metrics.enabled");
        YamlNodes.Keyed address = keys.get("address");
        List<String> sectionNotes = new ArrayList<>();
        sectionNotes.add("SNIProxy-rs's sniproxy_* metrics have snipool_* counterparts: docs/metrics.md.");
        if (!enabled || address == null) {
            sectionNotes.add("metrics.enabled was false: snipool's admin server always runs, on 127.0.0.1:9090"
                    + " unless metrics.bind says otherwise.");
            sections.add(new MigratedConfig.Section("metrics", List.of(), sectionNotes));
            return;
        }
        String bind = YamlNodes.scalar(address.value(), "metrics.address");
        String note = "from metrics.address";
        if (!isLoopback(bind)) {
            note += "; beyond loopback, restrict it with metrics.allow and set metrics.token (docs/operations.md)";
        }
        sections.add(new MigratedConfig.Section("metrics",
                List.of(new MigratedConfig.Setting("bind", SnipoolYaml.quote(bind), note)), sectionNotes));
    }

    private void pool(Node node) throws MigrationException {
        List<MigratedConfig.Setting> settings = new ArrayList<>();
        List<String> sectionNotes = new ArrayList<>();
        sectionNotes.add("SNIProxy-rs's connection_pool (from line " + YamlNodes.line(node) + "). snipool pools"
                + " backend connections of HTTP listeners only, where it parses each request and knows when a"
                + " connection is free again; TLS passthrough tunnels are never pooled.");
        for (Map.Entry<String, YamlNodes.Keyed> entry : YamlNodes.mapping(node, "connection_pool").entrySet()) {
            Node value = entry.getValue().value();
            int line = entry.getValue().line();
            String key = entry.getKey();
            switch (key) {
                case "enabled" -> settings.add(new MigratedConfig.Setting("enabled",
                        String.valueOf(YamlNodes.bool(value, "connection_pool.enabled")), ""));
                case "max_per_host" -> settings.add(Bounded.count("max_connections_per_host",
                        YamlNodes.whole(value, "connection_pool.max_per_host", 0), Bounded.MAX_PER_HOST));
                case "connection_ttl" -> {
                    long seconds = Math.max(1, YamlNodes.whole(value, "connection_pool.connection_ttl", 0));
                    settings.add(Bounded.seconds("max_lifetime", seconds, Bounded.SEVEN_DAYS, key));
                    settings.add(new MigratedConfig.Setting("lifetime_jitter", "0s",
                            "SNIProxy-rs expires connections at exactly connection_ttl"));
                }
                case "idle_timeout" -> settings.add(Bounded.seconds("idle_timeout",
                        Math.max(1, YamlNodes.whole(value, "connection_pool.idle_timeout", 0)), Bounded.ONE_DAY, key));
                case "cleanup_interval" -> sectionNotes.add(notMigrated("connection_pool.cleanup_interval",
                        line, "snipool closes each idle connection when its own timer ends"));
                default -> sectionNotes.add(notMigrated("connection_pool." + key, line,
                        "SNIProxy-rs has no such pool setting"));
            }
        }
        sections.add(new MigratedConfig.Section("pool", settings, sectionNotes));
    }

    private void addSection(String name, List<MigratedConfig.Setting> settings, List<String> sectionNotes) {
        if (!settings.isEmpty()) {
            sections.add(new MigratedConfig.Section(name, settings, sectionNotes));
        }
    }

    private static boolean isLoopback(String bind) {
        String host = bind.substring(0, Math.max(0, bind.lastIndexOf(':'))).replace("[", "").replace("]", "");
        try {
            return host.equals("localhost") || InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static String notMigrated(String key, int line, String because) {
        return "not migrated: " + key + " (line " + line + "), because " + because;
    }
}
