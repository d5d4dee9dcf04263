package io.snipool.config;

import java.util.List;
import java.util.Locale;

/** What {@code balance: hash} hashes to pick a backend: the {@code hash_key} value. */
public sealed interface HashKey {

    /** The client's address (after {@code proxy_protocol_in}), as text. */
    record ClientIp() implements HashKey {
        @Override
        public String toString() {
            return "client_ip";
        }
    }

    /** The requested name: the Host of an HTTP request, the SNI of a TLS connection. */
    record Host() implements HashKey {
        @Override
        public String toString() {
            return "host";
        }
    }

    /** A request header's value; HTTP requests only (a passthrough route never sees one). */
    record Header(String name) implements HashKey {
        public Header {
            name = name.toLowerCase(Locale.ROOT);
        }

        @Override
        public String toString() {
            return "header:" + name;
        }
    }

    /**
     * Parses {@code client_ip}, {@code host} or {@code header:NAME}, NAME being a field name (RFC 9110 §5.1: a
     * token).
     *
     * @throws IllegalArgumentException with a message fit for the user
     */
    static HashKey parse(String text) {
        switch (text) {
            case "client_ip":
                return new ClientIp();
            case "host":
                return new Host();
            default:
                break;
        }
        if (!text.startsWith("header:")) {
            throw new IllegalArgumentException("expected client_ip, host or header:NAME; got '" + text + "'"
                    + Suggestions.didYouMean(text, List.of("client_ip", "host")));
        }
        String name = text.substring("header:".length());
        if (name.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' names no header (e.g. header:X-User)");
        }
        if (!isToken(name)) {
            throw new IllegalArgumentException("'" + name + "' is not a header name (RFC 9110 §5.1: letters, digits"
                    + " and !#$%&'*+-.^_`|~)");
        }
        return new Header(name);
    }

    /** RFC 9110 §5.6.2: {@code token = 1*tchar}; also the syntax of a method name (§9.1). */
    static boolean isToken(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean alphanumeric = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!alphanumeric && "!#$%&'*+-.^_`|~".indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }
}
