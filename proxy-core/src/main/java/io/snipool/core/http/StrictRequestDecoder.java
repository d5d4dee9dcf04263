package io.snipool.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.snipool.core.failure.Failure;
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

    /** Told when the first byte of a new request head arrives (its deadline starts then). */
    interface HeadListener {
        void headStarted();
    }

    private final RequestHeadGuard guard;
    private final ChunkedBodyGuard body;
    private final HeadListener headListener;
    private boolean atHead = true;
    private boolean headAnnounced;
    private boolean rejected;
    /** The current message is chunked and its framing not checked to the end yet. */
    private boolean bodyChecking;
    /** Bytes from the reader index that the body guard has checked (or, after an error, that precede it). */
    private int checkedAhead;
    /** Why the chunked framing broke; Netty reads up to the error, then the message fails. */
    private String bodyError;

    StrictRequestDecoder(int maxHeadBytes, int maxHeaders, HeadListener headListener) {
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
        this.headListener = headListener;
    }

    /** Twice the guards' limit: a backstop that input the guards accepted can never reach. */
    static int nettyLimit(int maxHeadBytes) {
        return (int) Math.min(Integer.MAX_VALUE, 2L * maxHeadBytes);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (rejected) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (atHead) {
            if (!headAnnounced && in.isReadable()) {
                headAnnounced = true;
                headListener.headStarted();
            }
            HeadCheck check = guard.check(in);
            if (check instanceof HeadCheck.NeedMore) {
                return;
            }
            if (check instanceof HeadCheck.Invalid invalid) {
                rejected = true;
                in.skipBytes(in.readableBytes());
                out.add(new RejectedRequest(Failure.of(invalid.kind(), invalid.reason())));
                return;
            }
            atHead = false;
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
            if (message instanceof LastHttpContent) {
                atHead = true;
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
        rejected = true;
        in.skipBytes(in.readableBytes());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        // The base class decodes what is left of the stream and hands it on before the event; the marker follows.
        super.userEventTriggered(ctx, event);
        if (event instanceof ChannelInputShutdownEvent) {
            ctx.fireChannelRead(InputEnded.INSTANCE);
        }
    }

    /** True once a head has been refused or a message failed to decode; the decoder then drops all input. */
    boolean isRejected() {
        return rejected;
    }
}
