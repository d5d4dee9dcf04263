package io.snipool.config;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the TLS parts of a configuration: a listener's {@code tls} block with its certificates, a route's
 * {@code terminate} and {@code backend_tls}, and the checks across a listener's routes that join them (a
 * terminating route needs certificates, each of its exact hosts one that covers it). Certificates and keys are
 * read here, at load, so that a broken file is a configuration error.
 */
final class TlsConfigReader {

    /** RFC 7301 §3.1: {@code opaque ProtocolName<1..2^8-1>}. */
    static final int MAX_ALPN_PROTOCOL_BYTES = 255;
    /** The application protocols snipool serves on a terminated connection (RFC 7301 §6 ids). */
    static final String HTTP_1_1 = "http/1.1";
    static final String H2 = "h2";
    /** How many of a listener's certificate names a coverage problem lists before "...". */
    private static final int NAMES_SHOWN = 8;
    private static final ValueParser<TlsSettings.Version> MIN_VERSION = text -> {
        List<String> names = new ArrayList<>();
        for (TlsSettings.Version version : TlsSettings.Version.values()) {
            if (version.protocol().equalsIgnoreCase(text)) {
                return new ValueParser.Parsed.Accepted<>(version);
            }
            names.add(version.protocol());
        }
        String lower = text.toLowerCase(Locale.ROOT);
        if (Set.of("tlsv1", "tlsv1.0", "tlsv1.1", "sslv3", "sslv2").contains(lower)) {
            return new ValueParser.Parsed.Refused<>("'" + text + "' is refused: TLS 1.0 and 1.1 are deprecated"
                    + " (RFC 8996: no AEAD cipher, SHA-1 in the handshake) and SSL is broken; use TLSv1.2 or TLSv1.3");
        }
        return new ValueParser.Parsed.Refused<>("expected one of " + String.join(", ", names) + "; got '" + text
                + "'" + Suggestions.didYouMean(text, names));
    };

    private final Problems problems;
    private final Problems warnings;
    private final PemFiles files;
    private final Instant now;

    TlsConfigReader(Problems problems, Problems warnings, PemFiles files, Instant now) {
        this.problems = problems;
        this.warnings = warnings;
        this.files = files;
        this.now = now;
    }

    /**
     * A listener's {@code tls} block; empty if there is none, or if any of its certificates could not be read (the
     * problems are recorded, and the checks that need every certificate are skipped).
     */
    Optional<TlsSettings> listenerTls(YamlMap listener, ListenerConfig.Mode mode) {
        if (!listener.has("tls")) {
            return Optional.empty();
        }
        if (mode == ListenerConfig.Mode.HTTP) {
            problems.add(listener.child("tls"), listener.keyNode("tls"), "tls applies only to mode: tls listeners;"
                    + " an http listener takes plain HTTP (serve HTTPS from a tls listener with terminate: true)");
            return Optional.empty();
        }
        YamlMap tls = listener.map("tls");
        List<YamlMap> certificateMaps = tls.mapList("certificates");
        tls.requireNonEmpty("certificates", certificateMaps);
        List<TlsSettings.CertificateConfig> certificates = new ArrayList<>();
        int firstDefault = -1;
        for (int i = 0; i < certificateMaps.size(); i++) {
            YamlMap certificate = certificateMaps.get(i);
            boolean isDefault = certificate.bool("default", false);
            if (isDefault && firstDefault >= 0) {
                problems.add(certificate.child("default"), certificate.take("default"), "a second default"
                        + " certificate; " + tls.child("certificates") + "[" + firstDefault + "] is the default"
                        + " already (at most one)");
            } else if (isDefault) {
                firstDefault = i;
            }
            required(certificate, "cert");
            required(certificate, "key");
            Optional<CertifiedKey> material = certifiedKey(certificate, "cert", "key");
            certificate.finish();
            material.ifPresent(key -> certificates.add(new TlsSettings.CertificateConfig(
                    certificate.string("cert", ""), certificate.string("key", ""), isDefault, key)));
        }
        TlsSettings.Version minVersion = tls.value("min_version", TlsSettings.DEFAULT_MIN_VERSION, MIN_VERSION);
        List<String> alpn = alpn(tls);
        TlsSettings.Provider provider = tls.choice("provider", TlsSettings.DEFAULT_PROVIDER,
                TlsSettings.Provider.class);
        Optional<String> ticketKeysPath = Optional.ofNullable(tls.string("session_ticket_keys", null));
        List<SessionTicketKey> ticketKeys = tls.value("session_ticket_keys", List.of(), files.sessionTicketKeys());
        if (ticketKeysPath.isPresent() && provider == TlsSettings.Provider.JDK) {
            problems.add(tls.child("session_ticket_keys"), tls.keyNode("session_ticket_keys"), "session_ticket_keys"
                    + " need the OpenSSL (BoringSSL) provider: the JDK's cannot be given ticket keys (use provider:"
                    + " auto or openssl)");
        }
        tls.finish();
        if (certificates.isEmpty() || certificates.size() < certificateMaps.size()) {
            return Optional.empty();
        }
        return Optional.of(new TlsSettings(certificates, minVersion, alpn, provider, ticketKeysPath, ticketKeys));
    }

    /**
     * A route's {@code terminate}: false unless set, and refused outside tls listeners. Whether the listener has
     * certificates for it is checked with the other routes, in {@link #checkRoutes}.
     */
    boolean terminate(YamlMap route, ListenerConfig.Mode mode) {
        if (!route.has("terminate")) {
            return false;
        }
        boolean terminate = route.bool("terminate", false);
        if (mode == ListenerConfig.Mode.HTTP) {
            problems.add(route.child("terminate"), route.keyNode("terminate"), "terminate applies only to routes of"
                    + " tls listeners; an http listener always terminates: it reads every request itself");
            return false;
        }
        return terminate;
    }

    /**
     * A route's {@code backend_tls}: allowed where snipool makes the backend connection from decrypted requests
     * (http listeners, and terminating routes of tls listeners).
     *
     * @param hosts the route's hosts as read, which the {@code sni} template's variables must come from
     */
    Optional<BackendTlsConfig> backendTls(YamlMap route, ListenerConfig.Mode mode, boolean terminate,
                                          List<HostPattern> hosts) {
        if (!route.has("backend_tls")) {
            return Optional.empty();
        }
        if (mode == ListenerConfig.Mode.TLS && !terminate) {
            problems.add(route.child("backend_tls"), route.keyNode("backend_tls"), "backend_tls needs terminate:"
                    + " true; a passthrough route tunnels the client's TLS bytes to the backend untouched");
            return Optional.empty();
        }
        YamlMap backendTls = route.map("backend_tls");
        String sni = backendTls.value("sni", BackendTlsConfig.DEFAULT_SNI, sni(hosts));
        boolean verify = backendTls.bool("verify", true);
        Optional<String> caPath = Optional.ofNullable(backendTls.string("ca", null));
        List<X509Certificate> trustAnchors = backendTls.value("ca", List.of(), files.certificates());
        if (!verify) {
            warnings.add(backendTls.child("verify"), backendTls.take("verify"), "verify: false: the backend's"
                    + " certificate is not checked, so anyone on the path to it can read and change the traffic");
            if (caPath.isPresent()) {
                problems.add(backendTls.child("ca"), backendTls.keyNode("ca"), "ca has no use with verify: false"
                        + " (nothing is checked); remove one of them");
            }
        }
        boolean hasCert = backendTls.has("cert");
        boolean hasKey = backendTls.has("key");
        if (hasCert != hasKey) {
            String present = hasCert ? "cert" : "key";
            problems.add(backendTls.child(present), backendTls.keyNode(present), hasCert
                    ? "cert needs key: the client certificate's private key"
                    : "key needs cert: the client certificate the key belongs to");
        }
        Optional<CertifiedKey> client = hasCert && hasKey ? certifiedKey(backendTls, "cert", "key")
                : Optional.empty();
        Optional<String> clientCertPath = hasCert ? Optional.of(backendTls.string("cert", "")) : Optional.empty();
        Optional<String> clientKeyPath = hasKey ? Optional.of(backendTls.string("key", "")) : Optional.empty();
        backendTls.finish();
        return Optional.of(new BackendTlsConfig(sni, verify, caPath, trustAnchors, clientCertPath, clientKeyPath,
                client));
    }

    /**
     * The checks across a listener's routes, once all are read: a terminating route needs the listener's
     * certificates; a {@code tls} block needs a route that terminates; and each exact host of a terminating route
     * needs a certificate that covers it, unless one is the default.
     *
     * @param tls the listener's settings, empty if it has none or if a certificate could not be read
     */
    void checkRoutes(YamlMap listener, ListenerConfig.Mode mode, Optional<TlsSettings> tls,
                     List<YamlMap> routeMaps, List<RouteConfig> routes) {
        boolean anyTerminates = false;
        for (int r = 0; r < routes.size(); r++) {
            RouteConfig route = routes.get(r);
            YamlMap routeMap = routeMaps.get(r);
            if (!route.terminate()) {
                continue;
            }
            anyTerminates = true;
            if (!listener.has("tls")) {
                problems.add(routeMap.child("terminate"), routeMap.take("terminate"), "terminate: true needs"
                        + " certificates: add a tls block with certificates to this listener");
            }
            tls.ifPresent(settings -> checkCoverage(routeMap, route, settings));
        }
        if (mode == ListenerConfig.Mode.TLS && listener.has("tls") && !anyTerminates) {
            problems.add(listener.child("tls"), listener.keyNode("tls"), "no route of this listener terminates, so"
                    + " its certificates would never be served; set terminate: true on the routes to decrypt, or"
                    + " remove tls");
        }
    }

    private void checkCoverage(YamlMap routeMap, RouteConfig route, TlsSettings tls) {
        if (tls.certificates().stream().anyMatch(TlsSettings.CertificateConfig::isDefault)
                || route.hosts().size() != routeMap.listSize("hosts")) {
            // A default certificate serves every name; hosts that were refused shift the indexes of the rest.
            return;
        }
        List<String> names = new ArrayList<>();
        for (TlsSettings.CertificateConfig certificate : tls.certificates()) {
            names.addAll(certificate.material().dnsNames());
        }
        for (int h = 0; h < route.hosts().size(); h++) {
            if (route.hosts().get(h) instanceof HostPattern.Exact exact
                    && !CertificateNames.coveredBy(names, exact.name())) {
                String shown = String.join(", ", names.subList(0, Math.min(names.size(), NAMES_SHOWN)))
                        + (names.size() > NAMES_SHOWN ? ", ..." : "");
                problems.add(routeMap.child("hosts") + "[" + h + "]", routeMap.listItem("hosts", h), "no certificate"
                        + " covers '" + exact.name() + "' and none is the default (the certificates name " + shown
                        + "); add the name to a certificate, or mark one default: true");
            }
        }
    }

    /**
     * A chain and its key read from the files named by {@code certKey} and {@code keyKey} of {@code map}, checked
     * together; empty (with the problems recorded) if either is missing or wrong.
     */
    private Optional<CertifiedKey> certifiedKey(YamlMap map, String certKey, String keyKey) {
        List<X509Certificate> chain = map.value(certKey, null, files.chain());
        PrivateKey key = map.value(keyKey, null, files.privateKey());
        if (chain == null || key == null) {
            return Optional.empty();
        }
        X509Certificate leaf = chain.get(0);
        Optional<String> mismatch = CertifiedKeys.keyMismatch(key, leaf);
        if (mismatch.isPresent()) {
            problems.add(map.child(keyKey), map.take(keyKey), "'" + map.string(keyKey, "") + "': "
                    + mismatch.get());
            return Optional.empty();
        }
        String certName = "'" + map.string(certKey, "") + "': ";
        CertifiedKeys.Dates dates = CertifiedKeys.dates(chain, now);
        if (dates instanceof CertifiedKeys.Dates.Expired expired) {
            problems.add(map.child(certKey), map.take(certKey), certName + expired.message());
            return Optional.empty();
        }
        if (dates instanceof CertifiedKeys.Dates.Warning warning) {
            warnings.add(map.child(certKey), map.take(certKey), certName + warning.message());
        }
        return Optional.of(new CertifiedKey(chain, key, CertifiedKeys.dnsNames(leaf)));
    }

    private void required(YamlMap map, String key) {
        if (!map.has(key)) {
            problems.add(map.child(key), map.node(), "required key '" + key + "' is missing");
        }
    }

    /** {@code alpn}: 1..255-byte printable protocol ids, no duplicates, and only those snipool speaks. */
    private List<String> alpn(YamlMap tls) {
        if (!tls.has("alpn")) {
            return TlsSettings.DEFAULT_ALPN;
        }
        Set<String> seen = new HashSet<>();
        List<String> alpn = tls.list("alpn", protocol -> {
            int bytes = protocol.getBytes(StandardCharsets.UTF_8).length;
            if (bytes < 1 || bytes > MAX_ALPN_PROTOCOL_BYTES) {
                throw new IllegalArgumentException("a protocol id is 1 to " + MAX_ALPN_PROTOCOL_BYTES
                        + " bytes (RFC 7301 §3.1), got " + bytes);
            }
            if (!protocol.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException("'" + protocol + "' is not a protocol id: printable ASCII"
                        + " without spaces, such as http/1.1");
            }
            if (!seen.add(protocol)) {
                throw new IllegalArgumentException("'" + protocol + "' is listed twice");
            }
            if (!protocol.equals(HTTP_1_1) && !protocol.equals(H2)) {
                throw new IllegalArgumentException("'" + protocol + "': only h2 and http/1.1 are served");
            }
            return protocol;
        });
        tls.requireNonEmpty("alpn", alpn);
        return alpn.isEmpty() ? TlsSettings.DEFAULT_ALPN : alpn;
    }

    /**
     * {@code backend_tls.sni}: a host name (never an IP address: RFC 6066 §3), or a template with the variables
     * backends have ({@code ${host}}, or a named group of every host of the route).
     */
    private static ValueParser<String> sni(List<HostPattern> hosts) {
        return text -> {
            if (text.contains("${")) {
                try {
                    List<String> unsupplied = RouteTableCheck.unsuppliedVariables(
                            BackendTemplate.variablesOf(BackendTemplate.parseHost(text, text)), hosts);
                    return unsupplied.isEmpty() ? new ValueParser.Parsed.Accepted<>(text)
                            : new ValueParser.Parsed.Refused<>(String.join("; ", unsupplied));
                } catch (IllegalArgumentException e) {
                    return new ValueParser.Parsed.Refused<>(e.getMessage());
                }
            }
            String name = HostNames.normalize(text);
            if (InetLiterals.isIpLiteral(name) || name.startsWith("[")) {
                return new ValueParser.Parsed.Refused<>("'" + text + "' is an IP address, which SNI cannot carry"
                        + " (RFC 6066 §3); name the host the backend's certificate is for");
            }
            return HostNames.isValidDnsName(name) ? new ValueParser.Parsed.Accepted<>(name)
                    : new ValueParser.Parsed.Refused<>("'" + text + "' is not a valid host name");
        };
    }
}
