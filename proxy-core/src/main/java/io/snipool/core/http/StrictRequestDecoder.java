package io.snipool.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.snipool.core.failure.Failure;
import io.snipool.core.failure.FailureKind;
import java.util.List;

/**
 * Netty's request decoder in its strictest configuration, with each request head first checked by a
 * {@link RequestHeadGuard} and each chunked body by a {@link ChunkedBodyGuard}. A refused head becomes a
 * {@link RejectedRequest} message; a broken chunked body ends its message with a failed {@link LastHttpContent}
 * once Netty has read the well-formed bytes before the error. Everything after either is discarded: nothing that
 * follows a framing anomaly can be trusted to be where it seems.
 *
 * <p>The end of the client's stream (its FIN, with half-closure allowed) becomes a last message, {@link InputEnded},
 * after every request decoded before it, so that the session meets it in order.
 *
 * <p>After a complete request that asks for an upgrade ({@code Upgrade} and {@code Connection: upgrade}) the decoder
 * stops reading HTTP: what the client sends next may be the new protocol's (RFC 9110 §7.8: the server switches after
 * its 101, and a client may send before it), so it is held, raw, up to the head limit, until the answer decides:
 * the tunnel takes it ({@link #takeHeld()}), or after any other answer the session closes unless nothing is held
 * ({@link #resumeAfterUpgrade()}). HAProxy holds client data after an upgrade request the same way.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {

    /** Read buffer for body chunks handed on as they arrive. */
    static final int MAX_CHUNK_SIZE = 64 * 1024;

    /** A head the guard refused; the session answers it with the failure's status and closes. */
    record RejectedRequest(Failure failure) {
    }

    /**
     * The client ended its stream: nothing follows. What it cut short of a head or a body is dropped (for a request
     * Netty's decoder emits nothing at a premature end), so whoever waits for the rest of a request when this
     * arrives knows it will never come: an incomplete message (RFC 9112 §8).
     */
    enum InputEnded {
        INSTANCE
    }

    /** Told what the decoder noticed; runs on the channel's event loop, in the middle of a decode. */
    interface Listener {
        /** The first byte of a new request head arrived (its deadline starts then). */
        void headStarted();

        /** More bytes came after an upgrade request, before its answer, than may be held; all input is dropped. */
        void holdRefused(Failure failure);
    }

    /** What the decoder does with the next bytes. */
    private enum State {
        /** Checks a head with the guard, then lets Netty decode it. */
        HEAD,
        /** Netty decodes the rest of the message (its body), checked by the body guard if chunked. */
        MESSAGE,
        /** After a whole upgrade request: bytes are held raw until the answer to it. */
        HOLDING,
        /** A head was refused or a message broken: every byte is dropped. */
        REJECTED
    }

    private final RequestHeadGuard guard;
    private final ChunkedBodyGuard body;
    private final Listener listener;
    /** At most this many bytes are held after an upgrade request: limits.max_request_head_bytes. */
    private final int maxHeldBytes;
    private State state = State.HEAD;
    private boolean headAnnounced;
    /** The message being decoded asks for an upgrade: its end starts {@link State#HOLDING}. */
    private boolean upgradeRequested;
    /** Bytes held in {@link State#HOLDING}, owned here until {@link #takeHeld()}; null while none came. */
    private ByteBuf held;
    /** The current message is chunked and its framing not checked to the end yet. */
    private boolean bodyChecking;
    /** Bytes from the reader index that the body guard has checked (or, after an error, that precede it). */
    private int checkedAhead;
    /** Why the chunked framing broke; Netty reads up to the error, then the message fails. */
    private String bodyError;

    StrictRequestDecoder(int maxHeadBytes, int maxHeaders, Listener listener) {
        super(new HttpDecoderConfig()
                // The guards enforce limits.max_request_head_bytes on the head and on the trailer section before
                // Netty reads a byte of them. Netty's own limits are looser so that they never decide: its trailer
                // count depends on how the bytes were cut into reads (a fuzzed trailer under the limit passed whole
                // and failed one byte per read), and one input must get one answer however TCP delivers it.
                .setMaxInitialLineLength(nettyLimit(maxHeadBytes))
                .setMaxHeaderSize(nettyLimit(maxHeadBytes))
                .setMaxChunkSize(MAX_CHUNK_SIZE)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setAllowPartialChunks(true)
                // RequestHeadGuard has already checked every name (tchar) and value (no control characters) of the
                // head; Netty checking them again costs a tenth of the decoding.
                .setValidateHeaders(false)
                .setUseRfc9112TransferEncoding(true));
        this.guard = new RequestHeadGuard(maxHeadBytes, maxHeaders);
        this.body = new ChunkedBodyGuard(maxHeadBytes, maxHeaders);
        this.listener = listener;
        this.maxHeldBytes = maxHeadBytes;
    }

    /** Twice the guards' limit: a backstop that input the guards accepted can never reach. */
    static int nettyLimit(int maxHeadBytes) {
        return (int) Math.min(Integer.MAX_VALUE, 2L * maxHeadBytes);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (state == State.REJECTED) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (state == State.HOLDING) {
            hold(ctx, in);
            return;
        }
        if (state == State.HEAD) {
            if (!headAnnounced && in.isReadable()) {
                headAnnounced = true;
                listener.headStarted();
            }
            HeadCheck check = guard.check(in);
            if (check instanceof HeadCheck.NeedMore) {
                return;
            }
            if (check instanceof HeadCheck.Invalid invalid) {
                reject(in);
                out.add(new RejectedRequest(Failure.of(invalid.kind(), invalid.reason())));
                return;
            }
            state = State.MESSAGE;
            headAnnounced = false;
            if (guard.chunked()) {
                body.reset();
                bodyChecking = true;
                checkedAhead = ((HeadCheck.Valid) check).length();
            }
            guard.reset();
        }
        int visible = in.readableBytes();
        if (bodyChecking) {
            visible = checkBody(in);
        }
        int before = out.size();
        int start = in.readerIndex();
        if (visible == in.readableBytes()) {
            super.decode(ctx, in, out);
        } else {
            // Netty must not read the byte that broke the framing, nor anything after it.
            ByteBuf wellFormed = in.slice(start, visible);
            super.decode(ctx, wellFormed, out);
            in.skipBytes(wellFormed.readerIndex());
        }
        int consumed = in.readerIndex() - start;
        checkedAhead = Math.max(0, checkedAhead - consumed);
        for (int i = before; i < out.size(); i++) {
            Object message = out.get(i);
            if (message instanceof HttpObject object && object.decoderResult().isFailure()) {
                // Netty's own refusal (a bad chunk, say) ends with a failed LastHttpContent; without this, the
                // bytes after it would be scanned as a new head, as if the message had ended where it broke.
                reject(in);
                return;
            }
            if (message instanceof HttpRequest request) {
                upgradeRequested = asksForUpgrade(request);
            }
            if (message instanceof LastHttpContent) {
                // The bytes after an upgrade request are read by hold() from the next call on.
                state = upgradeRequested ? State.HOLDING : State.HEAD;
            }
        }
        if (bodyError != null && (consumed == 0 || checkedAhead == 0)) {
            // Netty has read every well-formed byte before the error (or waits for bytes that cannot come): the
            // request ends here, broken, which the exchange answers with 400 or a cut.
            DefaultLastHttpContent broken = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
            broken.setDecoderResult(DecoderResult.failure(new CorruptedFrameException(bodyError)));
            out.add(broken);
            reject(in);
        }
    }

    /**
     * Scans the body bytes not checked yet; returns how many bytes from the reader index Netty may read: all of them,
     * or those before a framing error.
     */
    private int checkBody(ByteBuf in) {
        if (bodyError != null) {
            return checkedAhead;
        }
        ChunkedBodyGuard.Verdict verdict = body.scan(in, in.readerIndex() + checkedAhead, in.writerIndex());
        if (verdict instanceof ChunkedBodyGuard.Verdict.Invalid invalid) {
            bodyError = invalid.reason();
            checkedAhead = invalid.at() - in.readerIndex();
            return checkedAhead;
        }
        if (verdict instanceof ChunkedBodyGuard.Verdict.Done) {
            // Checked to its end: Netty reads the rest of this message and stops there by itself.
            bodyChecking = false;
            checkedAhead = 0;
        } else {
            checkedAhead = in.readableBytes();
        }
        return in.readableBytes();
    }

    private void reject(ByteBuf in) {
        state = State.REJECTED;
        in.skipBytes(in.readableBytes());
    }

    /**
     * Whether a request asks to switch protocols (RFC 9110 §7.8): an {@code Upgrade} field, named by Connection, that
     * does not offer {@code h2c}.
     */
    static boolean asksForUpgrade(HttpRequest request) {
        // RFC 9110 §7.8: an Upgrade in an HTTP/1.0 request is ignored (Connection was not hop-by-hop in 1.0); it is
        // then removed with the other hop-by-hop fields, so no backend switches on it either.
        return request.protocolVersion() != HttpVersion.HTTP_1_0
                && request.headers().contains(HttpHeaderNames.UPGRADE)
                && request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderNames.UPGRADE, true)
                && !offersH2c(request);
    }

    /**
     * {@code Upgrade: h2c} (RFC 7540 §3.2, dropped by RFC 9113 §3.1) is never honoured: a backend that switched would
     * get a tunnel in which the client speaks h2 to it directly, past routing and every check of snipool's (h2c
     * smuggling). The request goes on as plain HTTP/1.1, its Upgrade removed as any hop-by-hop field.
     */
    static boolean offersH2c(HttpRequest request) {
        for (String field : request.headers().getAll(HttpHeaderNames.UPGRADE)) {
            for (String protocol : field.split(",")) {
                String name = protocol.strip();
                int slash = name.indexOf('/');
                if ((slash < 0 ? name : name.substring(0, slash)).strip().equalsIgnoreCase("h2c")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Keeps the bytes after an upgrade request, up to {@link #maxHeldBytes}: a client may send the new protocol's
     * first bytes at once, but no more than a head's worth before it is answered. Beyond, the listener is told and
     * everything is dropped.
     */
    private void hold(ChannelHandlerContext ctx, ByteBuf in) {
        int total = heldBytes() + in.readableBytes();
        if (total > maxHeldBytes) {
            reject(in);
            releaseHeld();
            listener.holdRefused(Failure.of(FailureKind.BAD_REQUEST, "more bytes before the answer to an Upgrade "
                    + "request than limits.max_request_head_bytes: limit " + maxHeldBytes + ", got " + total));
            return;
        }
        if (held == null) {
            held = ctx.alloc().buffer(in.readableBytes());
        }
        held.writeBytes(in);
    }

    private int heldBytes() {
        return held == null ? 0 : held.readableBytes();
    }

    /** True if bytes came after an upgrade request whose answer has not taken them. */
    boolean holdsBytes() {
        return heldBytes() > 0;
    }

    /**
     * The bytes held after an upgrade request, in order, for the tunnel its 101 starts (ownership passes; empty if
     * none). Nothing is held after this.
     */
    ByteBuf takeHeld() {
        ByteBuf taken = held == null ? Unpooled.EMPTY_BUFFER : held;
        held = null;
        return taken;
    }

    /**
     * An upgrade request was answered without a switch and nothing came after it: the next bytes are a request
     * again. Held bytes could be either protocol's, so with any the connection must close instead.
     */
    void resumeAfterUpgrade() {
        if (holdsBytes()) {
            throw new IllegalStateException("bytes are held after the upgrade request: the connection must close");
        }
        if (state == State.HOLDING) {
            state = State.HEAD;
        }
    }

    private void releaseHeld() {
        if (held != null) {
            held.release();
            held = null;
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        releaseHeld();
        super.handlerRemoved0(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        // The base class decodes what is left of the stream and hands it on before the event; the marker follows.
        super.userEventTriggered(ctx, event);
        if (event instanceof ChannelInputShutdownEvent) {
            ctx.fireChannelRead(InputEnded.INSTANCE);
        }
    }

}
