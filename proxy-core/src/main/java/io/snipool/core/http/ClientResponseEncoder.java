package io.snipool.core.http;

import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;

/**
 * Netty's response encoder, told when the response answers a HEAD request: such a response has no body whatever
 * its headers announce, so no chunk terminator may be written for it.
 */
final class ClientResponseEncoder extends HttpResponseEncoder {

    private boolean headRequest;

    void headRequest(boolean head) {
        headRequest = head;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
        return headRequest || super.isContentAlwaysEmpty(msg);
    }
}
