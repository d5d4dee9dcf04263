package io.snipool.app.migrate;

import io.snipool.app.migrate.SniproxyConf.Directive;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * dlundquist/sniproxy's {@code sniproxy.conf} (sniproxy.conf(5)) as a snipool configuration: each listener with the
 * entries of its table as routes, in file order, its {@code fallback} as a catch-all route. Keywords may be
 * shortened while unambiguous, as sniproxy allows ({@code user} for {@code username}).
 */
public final class SniproxyMigration {

    private static final List<String> TOP_LEVEL =
            List.of("username", "groupname", "pidfile", "error_log", "access_log", "resolver", "listener", "table");
    private static final List<String> IN_LISTENER = List.of("protocol", "table", "fallback", "source", "access_log",
            "bad_requests", "reuseport", "ipv6_v6only", "proxy_header");
    private static final List<String> IN_LOG = List.of("filename", "syslog", "priority");
    private static final String DEFAULT_TABLE = "";
    private static final String NO_PROXY_HEADER_ON_HTTP = "not migrated: the PROXY header, because a pooled HTTP"
            + " backend connection carries requests of many clients; snipool adds X-Forwarded-For instead"
            + " (forwarded_headers)";

    private final List<String> notes = new ArrayList<>();
    private final List<MigratedConfig.Section> sections = new ArrayList<>();
    private final Map<String, Directive> tables = new LinkedHashMap<>();
    private final Set<String> listenerNames = new HashSet<>();

    private SniproxyMigration() {
    }

    /** The snipool configuration equivalent to {@code text}. */
    public static MigratedConfig migrate(String text) throws MigrationException {
        return new SniproxyMigration().run(SniproxyConf.parse(text));
    }

    private MigratedConfig run(List<Directive> directives) throws MigrationException {
        List<Directive> listenerDirectives = new ArrayList<>();
        for (Directive directive : directives) {
            switch (keyword(directive, TOP_LEVEL)) {
                case "username", "groupname" -> notes.add(notMigrated(directive, "snipool does not change user;"
                        + " start it as the user it should run as (deploy/systemd/snipool.service uses DynamicUser)"));
                case "pidfile" -> notes.add(notMigrated(directive,
                        "snipool stays in the foreground and writes no pid file; its supervisor knows the pid"));
                case "resolver" -> notes.add(notMigrated(directive, "snipool resolves backend names with the"
                        + " system's resolver (/etc/resolv.conf); name servers and A/AAAA order are not configurable"));
                case "error_log" -> errorLog(directive);
                case "access_log" -> accessLog(directive);
                case "table" -> table(directive);
                case "listener" -> listenerDirectives.add(directive);
                default -> throw new IllegalStateException(directive.keyword());
            }
        }
        List<MigratedConfig.Listener> listeners = new ArrayList<>();
        for (Directive directive : listenerDirectives) {
            listener(directive).ifPresent(listeners::add);
        }
        if (listeners.isEmpty()) {
            throw new MigrationException(directives.isEmpty() ? 1 : directives.get(directives.size() - 1).line(),
                    "no listener that snipool can serve (a listener with a TCP address and at least one route)");
        }
        return new MigratedConfig(notes, listeners, sections);
    }

    private void table(Directive directive) throws MigrationException {
        if (directive.block() == null || directive.arguments().size() > 1) {
            throw new MigrationException(directive.line(), "expected 'table [NAME] { PATTERN SERVER ... }'");
        }
        String name = directive.arguments().isEmpty() ? DEFAULT_TABLE : directive.arguments().get(0);
        if (tables.putIfAbsent(name, directive) != null) {
            throw new MigrationException(directive.line(), "table '" + name + "' is defined twice");
        }
    }

    private void errorLog(Directive directive) throws MigrationException {
        for (Directive setting : block(directive)) {
            switch (keyword(setting, IN_LOG)) {
                case "priority" -> sections.add(new MigratedConfig.Section("logging",
                        List.of(new MigratedConfig.Setting("level", LogLevels.of(argument(setting)),
                                "from error_log priority " + argument(setting))),
                        List.of("snipool's process log always goes to standard error; the service manager keeps it")));
                default -> notes.add(notMigrated(setting, "snipool writes its process log to standard error"
                        + " (journald or the container runtime keeps it), never to syslog or a file of its own"));
            }
        }
    }

    private void accessLog(Directive directive) throws MigrationException {
        List<MigratedConfig.Setting> settings = new ArrayList<>();
        List<String> sectionNotes = new ArrayList<>();
        for (Directive setting : block(directive)) {
            if (keyword(setting, IN_LOG).equals("filename")) {
                settings.add(new MigratedConfig.Setting("path", SnipoolYaml.quote(argument(setting)),
                        "JSON lines, one per tunnel or request; reopened on SIGUSR1"));
            } else {
                sectionNotes.add(notMigrated(setting, "snipool's access log is a file or standard output, never syslog"));
            }
        }
        sections.add(new MigratedConfig.Section("access_log", settings, sectionNotes));
    }

    private Optional<MigratedConfig.Listener> listener(Directive directive) throws MigrationException {
        ListenAddress address = ListenAddress.parse(directive);
        List<String> listenerNotes = new ArrayList<>(address.notes());
        if (address.bind().isEmpty()) {
            notes.addAll(listenerNotes);
            return Optional.empty();
        }
        String mode = "tls";
        String tableName = DEFAULT_TABLE;
        Directive fallback = null;
        boolean proxyHeader = false;
        for (Directive setting : block(directive)) {
            switch (keyword(setting, IN_LISTENER)) {
                case "protocol" -> mode = protocol(setting);
                case "table" -> tableName = setting.arguments().isEmpty() ? DEFAULT_TABLE : argument(setting);
                case "fallback" -> fallback = setting;
                case "proxy_header" -> proxyHeader = yes(setting);
                case "source" -> listenerNotes.add(notMigrated(setting,
                        "snipool lets the operating system choose the address it connects to backends from"));
                case "reuseport" -> listenerNotes.add(notMigrated(setting, "one snipool process accepts on every"
                        + " core's event loop, so several processes on one port are not needed"));
                case "ipv6_v6only" -> listenerNotes.add(notMigrated(setting,
                        "snipool takes the system default for IPv6 sockets"));
                case "bad_requests" -> listenerNotes.add(notMigrated(setting, "snipool counts every refused"
                        + " request or ClientHello by reason (docs/metrics.md) and logs it, without its bytes"));
                case "access_log" -> listenerNotes.add(notMigrated(setting,
                        "snipool has one access log for all listeners (the top-level access_log)"));
                default -> throw new IllegalStateException(setting.keyword());
            }
        }
        if (mode.equals("http")) {
            listenerNotes.add("sniproxy read the first request's Host and then tunnelled the connection; snipool parses"
                    + " every request, routes each by its own Host and pools backend connections (docs/http.md).");
        }
        String proxyProtocol = "none";
        if (proxyHeader && mode.equals("tls")) {
            proxyProtocol = "v1";
        } else if (proxyHeader) {
            listenerNotes.add(NO_PROXY_HEADER_ON_HTTP);
        }
        Directive table = tables.get(tableName);
        if (table == null) {
            throw new MigrationException(directive.line(), tableName.isEmpty()
                    ? "the listener uses the unnamed table, and there is none" : "no table '" + tableName + "'");
        }
        RouteList routes = new RouteList(address.port(), mode, proxyProtocol);
        for (Directive entry : table.block()) {
            routes.add(entry);
        }
        if (fallback != null) {
            routes.fallback(fallback);
        }
        String name = uniqueName(mode + "-" + address.port());
        listenerNotes.addAll(routes.pending);
        if (routes.routes.isEmpty()) {
            notes.addAll(listenerNotes);
            notes.add("not migrated: listener " + address.bind().get() + " (line " + directive.line()
                    + "), because its table has no entry snipool can serve and it has no fallback");
            return Optional.empty();
        }
        return Optional.of(new MigratedConfig.Listener(name, address.bind().get(), mode,
                withLine(directive, listenerNotes), routes.routes));
    }

    /** A listener's routes, built entry by entry in table order. */
    private static final class RouteList {
        private final int listenPort;
        private final String mode;
        private final String proxyProtocol;
        private final List<MigratedConfig.Route> routes = new ArrayList<>();
        /** Hosts already served, with the line of the entry that serves them. */
        private final Map<String, Integer> served = new LinkedHashMap<>();
        /** Earlier entries as sniproxy matched them, to find names they took first. */
        private final List<Earlier> earlier = new ArrayList<>();
        private final List<String> pending = new ArrayList<>();

        private record Earlier(int line, Pattern pattern, String backend) {
        }

        RouteList(int listenPort, String mode, String proxyProtocol) {
            this.listenPort = listenPort;
            this.mode = mode;
            this.proxyProtocol = proxyProtocol;
        }

        void add(Directive entry) throws MigrationException {
            List<String> words = entry.words();
            if (words.size() < 2 || words.size() > 3 || entry.block() != null
                    || (words.size() == 3 && !words.get(2).equals("proxy_protocol"))) {
                throw new MigrationException(entry.line(), "expected 'PATTERN SERVER [proxy_protocol]' in a table");
            }
            List<String> routeNotes = new ArrayList<>();
            Optional<String> backend = Backends.of(words.get(1), listenPort, entry.line(), routeNotes);
            String pattern = words.get(0);
            PcreHostPattern.Result result = PcreHostPattern.translate(pattern);
            if (result instanceof PcreHostPattern.Untranslatable untranslatable) {
                skip(entry, List.of("not migrated: " + pattern + " " + words.get(1) + ", because "
                        + untranslatable.reason()));
                return;
            }
            PcreHostPattern.Translated host = (PcreHostPattern.Translated) result;
            routeNotes.addAll(host.notes());
            Integer servedBy = served.get(host.host());
            if (servedBy != null) {
                skip(entry, List.of("not migrated: " + pattern + " " + words.get(1) + ", because the entry on line "
                        + servedBy + " serves " + host.host() + " already, and sniproxy matched it first"));
                return;
            }
            if (backend.isEmpty()) {
                skip(entry, routeNotes);
                return;
            }
            routeNotes.addAll(precedenceNotes(host.host(), backend.get()));
            String protocol = proxyProtocol;
            if (words.size() == 3 && mode.equals("tls")) {
                protocol = "v1";
            } else if (words.size() == 3) {
                routeNotes.add(NO_PROXY_HEADER_ON_HTTP);
            }
            addRoute(host.host(), backend.get(), protocol, entry, routeNotes);
            PcreHostPattern.asSniproxyMatches(pattern)
                    .ifPresent(compiled -> earlier.add(new Earlier(entry.line(), compiled, backend.get())));
        }

        void fallback(Directive fallback) throws MigrationException {
            List<String> routeNotes = new ArrayList<>();
            Optional<String> backend = Backends.of(argument(fallback), listenPort, fallback.line(), routeNotes);
            if (served.containsKey("*")) {
                skip(fallback, List.of("not migrated: fallback, because the entry on line " + served.get("*")
                        + " already matches every name (snipool allows one catch-all per listener)"));
                return;
            }
            if (backend.isEmpty()) {
                skip(fallback, routeNotes);
                return;
            }
            routeNotes.add("sniproxy's fallback as the catch-all route: names no other route matches"
                    + (mode.equals("tls") ? " and ClientHellos without SNI" : "") + " come here; a request snipool"
                    + " cannot parse is refused, not sent here (docs/" + mode + ".md)");
            addRoute("*", backend.get(), proxyProtocol, fallback, routeNotes);
        }

        /**
         * sniproxy takes the first entry that matches; snipool an exact name, then the longest wildcard, then regexes
         * in file order. An exact name or wildcard that an earlier sniproxy entry matched first changes hands.
         */
        private List<String> precedenceNotes(String host, String backend) {
            if (host.startsWith("~") || host.equals("*")) {
                return List.of();
            }
            String example = host.startsWith("*.") ? "a" + host.substring(1) : host;
            List<String> precedence = new ArrayList<>();
            for (Earlier entry : earlier) {
                if (entry.pattern().matcher(example).find() && !entry.backend().equals(backend)) {
                    precedence.add("routing changes: sniproxy sent " + example + " to " + entry.backend()
                            + " (the entry on line " + entry.line() + " matched first); snipool tries exact names,"
                            + " then the longest wildcard, then regexes, so it now goes to " + backend
                            + ". Narrow the earlier pattern or drop this entry if that is wrong.");
                }
            }
            return precedence;
        }

        /** Notes of entries that made no route are written above the next route, or the listener when none follows. */
        private void skip(Directive entry, List<String> routeNotes) {
            pending.addAll(withLine(entry, routeNotes));
        }

        private void addRoute(String host, String backend, String protocol, Directive source, List<String> notes) {
            List<String> routeNotes = new ArrayList<>(pending);
            pending.clear();
            routeNotes.addAll(withLine(source, notes));
            routes.add(new MigratedConfig.Route(List.of(host), List.of(backend), protocol, routeNotes));
            served.put(host, source.line());
        }
    }

    private static String protocol(Directive setting) throws MigrationException {
        String protocol = argument(setting).toLowerCase(Locale.ROOT);
        if (!protocol.equals("tls") && !protocol.equals("http")) {
            throw new MigrationException(setting.line(), "protocol must be tls or http, got '" + protocol + "'");
        }
        return protocol;
    }

    private static boolean yes(Directive setting) throws MigrationException {
        String value = argument(setting).toLowerCase(Locale.ROOT);
        return value.equals("yes") || value.equals("on") || value.equals("true");
    }

    private String uniqueName(String base) {
        String name = base;
        for (int i = 2; !listenerNames.add(name); i++) {
            name = base + "-" + i;
        }
        return name;
    }

    private static List<Directive> block(Directive directive) throws MigrationException {
        if (directive.block() == null) {
            throw new MigrationException(directive.line(), "'" + directive.keyword() + "' needs a { ... } stanza");
        }
        return directive.block();
    }

    private static String argument(Directive directive) throws MigrationException {
        if (directive.arguments().size() != 1) {
            throw new MigrationException(directive.line(), "'" + directive.keyword() + "' takes one value");
        }
        return directive.arguments().get(0);
    }

    /** The keyword {@code directive} names, perhaps shortened, as sniproxy accepts it. */
    private static String keyword(Directive directive, List<String> keywords) throws MigrationException {
        String word = directive.keyword().toLowerCase(Locale.ROOT);
        List<String> candidates = keywords.stream().filter(k -> k.startsWith(word)).toList();
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        if (candidates.contains(word)) {
            return word;
        }
        throw new MigrationException(directive.line(), (candidates.isEmpty() ? "unknown directive '"
                : "ambiguous directive '") + directive.keyword() + "' (expected one of " + keywords + ")");
    }

    private static String notMigrated(Directive directive, String because) {
        return "not migrated: " + text(directive) + " (line " + directive.line() + "), because " + because;
    }

    /** The directive as written, its stanza on the same line. */
    private static String text(Directive directive) {
        String words = String.join(" ", directive.words());
        if (directive.block() == null) {
            return words;
        }
        return words + " { " + directive.block().stream().map(SniproxyMigration::text)
                .reduce((a, b) -> a + "; " + b).orElse("") + " }";
    }

    private static List<String> withLine(Directive directive, List<String> notes) {
        List<String> lines = new ArrayList<>();
        lines.add("from line " + directive.line() + ": " + String.join(" ", directive.words()));
        lines.addAll(notes);
        return lines;
    }
}
