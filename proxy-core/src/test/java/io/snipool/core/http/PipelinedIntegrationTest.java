package io.snipool.core.http;

/** {@link HttpIntegrationBase} with all requests of a test written at once on one connection. */
class PipelinedIntegrationTest extends HttpIntegrationBase {
    PipelinedIntegrationTest() {
        super(ClientTransport.PIPELINED);
    }
}
