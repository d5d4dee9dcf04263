package io.snipool.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * First in the pipeline of an http listener with {@code http2: prior_knowledge}: tells an h2c connection (its first
 * bytes are the client preface, RFC 9113 §3.4) from an HTTP/1.1 one by reading no more than the preface's 24 bytes,
 * consuming none. At the first byte that differs it is HTTP/1.1 and it leaves, handing the bytes on to the request
 * decoder behind; on the whole preface {@link Listener#preface} installs HTTP/2 behind it, and it leaves the same
 * way, the codec then reading the preface itself. Bytes are never judged before they came, so a preface split
 * across segments waits for the rest (within the connection's {@code request_head} timeout).
 */
final class H2cPrefaceSniffer extends ByteToMessageDecoder {

    static final String NAME = "snipool-h2c-sniffer";
    /** RFC 9113 §3.4: the connection preface, {@code PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n}. */
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** Told once, when the whole preface came, before the sniffer leaves. */
    interface Listener {
        void preface(ChannelHandlerContext context);
    }

    private final Listener listener;

    H2cPrefaceSniffer(Listener listener) {
        this.listener = listener;
    }

    /** Whether {@code bytes} (from {@code from}, {@code length} of them) are a prefix of the preface. */
    static boolean prefixOfPreface(ByteBuf bytes, int from, int length) {
        for (int i = 0; i < Math.min(length, PREFACE.length); i++) {
            if (bytes.getByte(from + i) != PREFACE[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    protected void decode(ChannelHandlerContext context, ByteBuf in, List<Object> out) {
        int readable = in.readableBytes();
        if (!prefixOfPreface(in, in.readerIndex(), readable)) {
            context.pipeline().remove(this); // HTTP/1.1: the bytes go on, unread, to the request decoder
        } else if (readable >= PREFACE.length) {
            listener.preface(context);
            context.pipeline().remove(this); // the frame codec behind reads the preface
        }
    }
}
