package io.snipool.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.snipool.core.failure.Failure;
import java.nio.charset.StandardCharsets;

/**
 * The small plain-text responses snipool answers itself with. Every one carries {@code Connection: close}: after
 * an error the client connection is not trusted with another request.
 */
public final class ErrorResponses {

    private ErrorResponses() {
    }

    /** The failure's status with a one-line body: the status text, then the failure's detail. */
    public static FullHttpResponse of(Failure failure, ByteBufAllocator allocator) {
        int status = failure.kind().status();
        HttpResponseStatus responseStatus = HttpResponseStatus.valueOf(status);
        String text = status + " " + responseStatus.reasonPhrase() + ": " + failure.detail() + "\n";
        ByteBuf body = allocator.buffer(text.length());
        body.writeCharSequence(text, StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, responseStatus, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }
}
