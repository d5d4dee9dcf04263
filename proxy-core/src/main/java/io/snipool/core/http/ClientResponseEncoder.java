package io.snipool.core.http;

import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;

/**
 * Netty's response encoder, told when the response answers a HEAD request: such a response has no body whatever
 * its headers announce, so no chunk terminator may be written for it. Neither has a 101: Netty would encode one with
 * {@code Sec-WebSocket-Version} as having a body, and leaves its {@code Content-Length} on, which RFC 9110 §8.6
 * forbids in a 1xx and which would make the client read the tunnel as a body.
 */
final class ClientResponseEncoder extends HttpResponseEncoder {

    private boolean headRequest;

    void headRequest(boolean head) {
        headRequest = head;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
        return headRequest || msg.status().code() == 101 || super.isContentAlwaysEmpty(msg);
    }
}
