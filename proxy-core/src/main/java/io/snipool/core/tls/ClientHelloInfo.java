package io.snipool.core.tls;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the proxy needs from a ClientHello to route it and to label metrics.
 *
 * @param serverName           the host_name from server_name (RFC 6066 §3): lower-cased, trailing dot removed, a
 *                             valid DNS name and not an IP literal; empty when the hello carries no server_name
 * @param alpnProtocols        application_layer_protocol_negotiation names (RFC 7301 §3.1) in the client's order of
 *                             preference, GREASE values (RFC 8701) left out; empty when there is no such extension
 * @param encryptedClientHello true when an encrypted_client_hello extension (type 0xfe0d) is present: the hello is
 *                             then the outer one and {@code serverName} is the ECH public name, which is what the
 *                             proxy routes on, as the backend holding the ECH keys will decrypt the inner hello
 * @param legacyVersion        ClientHello.legacy_version, e.g. 0x0303 (TLS 1.3 clients also send 0x0303; RFC 8446
 *                             §4.1.2)
 * @param handshakeLength      length of the ClientHello body, i.e. the handshake header's uint24
 */
public record ClientHelloInfo(Optional<String> serverName, List<String> alpnProtocols,
                              boolean encryptedClientHello, int legacyVersion, int handshakeLength) {

    public ClientHelloInfo {
        Objects.requireNonNull(serverName, "serverName");
        alpnProtocols = List.copyOf(alpnProtocols);
    }
}
