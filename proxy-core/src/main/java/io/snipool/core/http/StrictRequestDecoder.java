package io.snipool.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;

/**
 * Netty's request decoder in its strictest configuration, with each request head first checked by a
 * {@link RequestHeadGuard}. A refused head becomes a {@link RejectedRequest} message and everything after it is
 * discarded: nothing that follows a framing anomaly can be trusted to be where it seems.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {

    /** Read buffer for body chunks handed on as they arrive. */
    static final int MAX_CHUNK_SIZE = 64 * 1024;

    /** A head the guard refused; the session answers it with {@code status} and closes. */
    record RejectedRequest(int status, String reason) {
    }

    /** Told when the first byte of a new request head arrives (its deadline starts then). */
    interface HeadListener {
        void headStarted();
    }

    private final RequestHeadGuard guard;
    private final HeadListener headListener;
    private boolean atHead = true;
    private boolean headAnnounced;
    private boolean rejected;

    StrictRequestDecoder(int maxHeadBytes, int maxHeaders, HeadListener headListener) {
        super(new HttpDecoderConfig()
                .setMaxInitialLineLength(maxHeadBytes)
                .setMaxHeaderSize(maxHeadBytes)
                .setMaxChunkSize(MAX_CHUNK_SIZE)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setAllowPartialChunks(true)
                // RequestHeadGuard has already checked every name (tchar) and value (no control characters) of the
                // head; Netty checking them again costs a tenth of the decoding.
                .setValidateHeaders(false)
                .setUseRfc9112TransferEncoding(true));
        this.guard = new RequestHeadGuard(maxHeadBytes, maxHeaders);
        this.headListener = headListener;
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
                out.add(new RejectedRequest(invalid.status(), invalid.reason()));
                return;
            }
            atHead = false;
            headAnnounced = false;
            guard.reset();
        }
        int before = out.size();
        super.decode(ctx, in, out);
        for (int i = before; i < out.size(); i++) {
            Object message = out.get(i);
            if (message instanceof HttpObject object && object.decoderResult().isFailure()) {
                // Netty's own refusal (a bad chunk, say) ends with a failed LastHttpContent; without this, the
                // bytes after it would be scanned as a new head, as if the message had ended where it broke.
                rejected = true;
                in.skipBytes(in.readableBytes());
                return;
            }
            if (message instanceof LastHttpContent) {
                atHead = true;
            }
        }
    }

    /** True once a head has been refused or a message failed to decode; the decoder then drops all input. */
    boolean isRejected() {
        return rejected;
    }
}
