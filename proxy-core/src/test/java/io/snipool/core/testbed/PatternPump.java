package io.snipool.core.testbed;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Random;

/**
 * Writes the bytes of {@link PatternData} for a seed to a socket channel, and tells when the receiver stopped taking
 * them: a non-blocking write that takes nothing means the send buffer is full, and on loopback that means the peer's
 * receive window is closed, so the peer has not been reading. A blocking socket cannot tell that apart from a slow
 * write.
 */
public final class PatternPump {

    private static final int CHUNK = 64 * 1024;

    private final SocketChannel channel;
    private final long size;
    private final Random random;
    private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
    private long written;

    public PatternPump(SocketChannel channel, long seed, long size) {
        this.channel = channel;
        this.size = size;
        this.random = new Random(seed);
        chunk.limit(0);
    }

    /**
     * Writes without blocking until a write takes nothing or all is written.
     *
     * @return the bytes written so far
     */
    public long writeUntilFull() throws IOException {
        channel.configureBlocking(false);
        while (written < size && fillChunk()) {
            int n = channel.write(chunk);
            if (n == 0) {
                break;
            }
            written += n;
        }
        return written;
    }

    /** Writes the rest, blocking while the receiver does not read. */
    public void writeRest() throws IOException {
        channel.configureBlocking(true);
        while (written < size && fillChunk()) {
            written += channel.write(chunk);
        }
    }

    /** Makes sure the chunk holds unwritten bytes, generating the next 64 KiB of the pattern when it is used up. */
    private boolean fillChunk() {
        if (!chunk.hasRemaining()) {
            random.nextBytes(chunk.array());
            chunk.clear();
            chunk.limit((int) Math.min(CHUNK, size - written));
        }
        return chunk.hasRemaining();
    }
}
