package io.snipool.core.testbed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** The JDK's TLS client, with or without SNI, as a real client of the proxy. */
public final class TlsClient {

    /** Connect, handshake and read timeouts: a test fails rather than hangs. */
    public static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final SSLContext context;

    public TlsClient(SSLContext context) {
        this.context = context;
    }

    /**
     * Connects to the proxy on loopback {@code port}, shakes hands and returns the first line the backend sends:
     * its name. With a {@code serverName} the backend's certificate must be valid for it.
     *
     * @param serverName the SNI to send, or null to send none
     */
    public String backendName(int port, String serverName) throws IOException {
        try (SSLSocket tls = connect(port, serverName)) {
            BufferedReader reader = new BufferedReader(new InputStreamReader(tls.getInputStream(),
                    StandardCharsets.US_ASCII));
            return reader.readLine();
        }
    }

    /**
     * Connects to the proxy on loopback {@code port} and shakes hands, as {@link #backendName}; the caller owns the
     * connection and closes it (which closes the plain socket beneath).
     */
    public SSLSocket connect(int port, String serverName) throws IOException {
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress("127.0.0.1", port), (int) TIMEOUT.toMillis());
            plain.setSoTimeout((int) TIMEOUT.toMillis());
            String peer = serverName == null ? "127.0.0.1" : serverName;
            SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, peer, port, true);
            SSLParameters parameters = tls.getSSLParameters();
            if (serverName == null) {
                parameters.setServerNames(List.of());
            } else {
                parameters.setServerNames(List.of(new SNIHostName(serverName)));
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
            }
            tls.setSSLParameters(parameters);
            tls.startHandshake();
            return tls;
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }
}
