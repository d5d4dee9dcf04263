package io.snipool.app.migrate;

import io.snipool.app.migrate.SniproxyConf.Directive;
import java.util.List;
import java.util.Optional;

/**
 * A sniproxy {@code listener} address as a snipool {@code bind}: {@code ADDR:PORT}, {@code [V6]:PORT},
 * {@code ADDR PORT}, a bare port (every address), or {@code unix:PATH}, which snipool cannot listen on.
 */
record ListenAddress(Optional<String> bind, int port, List<String> notes) {

    static ListenAddress parse(Directive listener) throws MigrationException {
        List<String> words = listener.arguments();
        if (words.isEmpty() || words.size() > 2) {
            throw new MigrationException(listener.line(), "expected 'listener ADDRESS[:PORT] [PORT] { ... }'");
        }
        String address = words.get(0);
        if (address.startsWith("unix:")) {
            return new ListenAddress(Optional.empty(), 0, List.of("not migrated: listener " + address + " (line "
                    + listener.line() + "), because snipool listens on TCP addresses only"));
        }
        if (words.size() == 2) {
            String host = address.contains(":") && !address.startsWith("[") ? "[" + address + "]" : address;
            return of(host, words.get(1), listener, List.of());
        }
        if (address.chars().allMatch(Character::isDigit)) {
            return of("0.0.0.0", address, listener, List.of("sniproxy's 'listener " + address + "' bound every"
                    + " address; 0.0.0.0 is every IPv4 address: add a listener on '[::]:" + address
                    + "' if IPv6 clients come too."));
        }
        int colon = address.lastIndexOf(':');
        if (colon < 0 || address.endsWith("]")) {
            throw new MigrationException(listener.line(), "listener '" + address + "' has no port");
        }
        return of(address.substring(0, colon), address.substring(colon + 1), listener, List.of());
    }

    private static ListenAddress of(String host, String port, Directive listener, List<String> notes)
            throws MigrationException {
        return new ListenAddress(Optional.of(host + ":" + port), Backends.port(port, listener.line()), notes);
    }
}
