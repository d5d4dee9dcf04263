package io.snipool.core.http;

/** {@link HttpIntegrationBase} with a connection per request, each sent with {@code Connection: close}. */
class CloseIntegrationTest extends HttpIntegrationBase {
    CloseIntegrationTest() {
        super(ClientTransport.CLOSE);
    }
}
