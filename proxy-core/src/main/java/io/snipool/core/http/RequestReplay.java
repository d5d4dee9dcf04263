package io.snipool.core.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a request's body until the response starts, so that the request can be replayed on another connection if
 * its own breaks first (how often is the retry rule's business). Only bodies up to a limit are kept; a larger one
 * makes the request not replayable. Holds retained duplicates of the parts it keeps and releases them in
 * {@link #release()}.
 */
final class RequestReplay {

    private final int maxBytes;
    private final List<HttpContent> kept = new ArrayList<>(2);
    private long bytes;
    private boolean replayable;

    /** @param declaredLength the request's Content-Length, or 0 if it has none (chunked, or no body) */
    RequestReplay(int maxBytes, long declaredLength) {
        this.maxBytes = maxBytes;
        this.replayable = declaredLength <= maxBytes;
    }

    /** Keeps a copy of {@code part} (the caller keeps its own reference), or gives up past the limit. */
    void keep(HttpContent part) {
        if (!replayable) {
            return;
        }
        bytes += part.content().readableBytes();
        if (bytes > maxBytes) {
            release();
            return;
        }
        kept.add(part.retainedDuplicate());
    }

    /** True while every body byte received so far is kept (or there was none). */
    boolean replayable() {
        return replayable;
    }

    /** Writes (without flushing) what was kept, for a replay. */
    void writeBufferedTo(Channel backend) {
        for (HttpContent part : kept) {
            backend.write(part.retainedDuplicate());
        }
    }

    /** Drops what was kept; the request can no longer be replayed. */
    void release() {
        for (HttpContent part : kept) {
            part.release();
        }
        kept.clear();
        replayable = false;
    }
}
