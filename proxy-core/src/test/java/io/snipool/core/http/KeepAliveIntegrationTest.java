package io.snipool.core.http;

/** {@link HttpIntegrationBase} with every request on one keep-alive connection. */
class KeepAliveIntegrationTest extends HttpIntegrationBase {
    KeepAliveIntegrationTest() {
        super(ClientTransport.KEEP_ALIVE);
    }
}
