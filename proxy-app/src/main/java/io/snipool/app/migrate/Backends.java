package io.snipool.app.migrate;

import java.util.List;
import java.util.Optional;

/**
 * A sniproxy server address (a table entry's, or a {@code fallback}) as a snipool backend. sniproxy takes the
 * listener's port where none is written, and {@code *} for "the requested name", which is snipool's
 * {@code ${host}} template.
 */
final class Backends {

    static final String PRIVATE_TARGETS_NOTE = "snipool refuses a ${host} backend that resolves to a loopback or"
            + " private address, which the old proxy connected to; add 'allow_private_targets: true' to this route if"
            + " the names are meant to reach internal hosts.";

    private Backends() {
    }

    /** The backend, or empty (with the reason in {@code notes}) when snipool cannot connect to it. */
    static Optional<String> of(String address, int listenPort, int line, List<String> notes)
            throws MigrationException {
        if (address.startsWith("unix:")) {
            notes.add("not migrated: server " + address + ", because snipool connects to backends over TCP only");
            return Optional.empty();
        }
        String host;
        int port;
        if (address.startsWith("[")) {
            int close = address.indexOf(']');
            if (close < 0) {
                throw new MigrationException(line, "server '" + address + "' has no closing ']'");
            }
            host = address.substring(0, close + 1);
            port = close + 1 < address.length() ? port(address.substring(close + 2), line) : listenPort;
        } else if (address.indexOf(':') != address.lastIndexOf(':')) {
            host = "[" + address + "]";
            port = listenPort;
        } else if (address.contains(":")) {
            host = address.substring(0, address.indexOf(':'));
            port = port(address.substring(address.indexOf(':') + 1), line);
        } else {
            host = address;
            port = listenPort;
        }
        if (host.equals("*")) {
            notes.add(PRIVATE_TARGETS_NOTE);
            host = "${host}";
        }
        return Optional.of(host + ":" + port);
    }

    /** A port in 1..65535. */
    static int port(String text, int line) throws MigrationException {
        try {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below, with the line
        }
        throw new MigrationException(line, "'" + text + "' is not a port (1..65535)");
    }
}
