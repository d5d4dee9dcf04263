package io.snipool.core.route;

import java.util.function.Function;

/**
 * What one request or connection offers {@code balance: hash} to hash: its client's address, the name it asked for,
 * and (HTTP only) its header fields.
 *
 * @param clientAddress the client's IP address as text (after {@code proxy_protocol_in})
 * @param host          the normalized Host or SNI; empty for a TLS hello without SNI
 * @param header        a header's first value by name, or null if absent; always null on a TLS connection
 */
public record BalanceInput(String clientAddress, String host, Function<String, String> header) {

    /** The input of a TLS connection: no header fields. */
    public static BalanceInput ofConnection(String clientAddress, String serverName) {
        return new BalanceInput(clientAddress, serverName, name -> null);
    }
}
