package io.snipool.core.tls;

import io.netty.buffer.ByteBuf;

/**
 * What the TLS listener calls on each read until the result is not {@link HelloResult.NeedMore}: frames the
 * ClientHello with a {@link ClientHelloFramer}, then parses it with {@link ClientHelloParser}. Deciding what to do
 * with the result (route, alert, close) is the caller's.
 *
 * <p>One instance per connection, used from that connection's event loop only, like the framer it wraps.
 */
public final class ClientHelloReader {

    private final ClientHelloFramer framer;
    /** Set once the result is Done or Invalid: neither holds a buffer, so it can be returned again as is. */
    private HelloResult finished;

    /** A reader with {@link ClientHelloFramer#DEFAULT_MAX_CLIENT_HELLO_BYTES}. */
    public ClientHelloReader() {
        this(ClientHelloFramer.DEFAULT_MAX_CLIENT_HELLO_BYTES);
    }

    /**
     * @param maxClientHelloBytes largest ClientHello body accepted; see {@link ClientHelloFramer}
     */
    public ClientHelloReader(int maxClientHelloBytes) {
        this.framer = new ClientHelloFramer(maxClientHelloBytes);
    }

    /**
     * Reads everything received so far from {@code received.readerIndex()}, without moving any index or taking
     * ownership: the caller keeps the buffer, releases it, and on {@link HelloResult.Done} forwards all of it.
     */
    public HelloResult read(ByteBuf received) {
        if (finished == null) {
            HelloResult result = readOnce(received);
            if (result instanceof HelloResult.NeedMore) {
                return result;
            }
            finished = result;
        }
        return finished;
    }

    private HelloResult readOnce(ByteBuf received) {
        ClientHelloFramer.Result framed = framer.frame(received);
        if (framed instanceof ClientHelloFramer.Framed hello) {
            // The body may be a slice of received: it is parsed here, before the caller can release received.
            ClientHelloParser.Result parsed = ClientHelloParser.parse(hello.body());
            if (parsed instanceof ClientHelloParser.Parsed ok) {
                return new HelloResult.Done(ok.hello(), hello.consumed());
            }
            ClientHelloParser.Rejected rejected = (ClientHelloParser.Rejected) parsed;
            return new HelloResult.Invalid(rejected.reason(), rejected.detail());
        }
        if (framed instanceof ClientHelloFramer.Rejected rejected) {
            return new HelloResult.Invalid(rejected.reason(), rejected.detail());
        }
        return HelloResult.NeedMore.INSTANCE;
    }
}
