package io.snipool.core.testbed;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/**
 * A reproducible stream of pseudo-random bytes for bulk transfers, and SHA-256 checks of what arrived: a seed and
 * a size say what must come out at the far end, without holding it in memory.
 */
public final class PatternData {

    private static final int CHUNK = 64 * 1024;

    /** What a reader saw: how many bytes and their SHA-256, in hex. */
    public record Received(long bytes, String sha256) {
    }

    private PatternData() {
    }

    /** The digest of {@code size} bytes of the pattern for {@code seed}. */
    public static Received expected(long seed, long size) {
        MessageDigest digest = sha256();
        Random random = new Random(seed);
        byte[] chunk = new byte[CHUNK];
        for (long left = size; left > 0; left -= CHUNK) {
            random.nextBytes(chunk);
            digest.update(chunk, 0, (int) Math.min(CHUNK, left));
        }
        return new Received(size, HexFormat.of().formatHex(digest.digest()));
    }

    /** Writes {@code size} bytes of the pattern for {@code seed}. */
    public static void write(OutputStream out, long seed, long size) throws IOException {
        Random random = new Random(seed);
        byte[] chunk = new byte[CHUNK];
        for (long left = size; left > 0; left -= CHUNK) {
            random.nextBytes(chunk);
            out.write(chunk, 0, (int) Math.min(CHUNK, left));
        }
        out.flush();
    }

    /** Reads to end of stream. */
    public static Received readToEnd(InputStream in) throws IOException {
        MessageDigest digest = sha256();
        byte[] chunk = new byte[CHUNK];
        long total = 0;
        for (int n; (n = in.read(chunk)) >= 0; ) {
            digest.update(chunk, 0, n);
            total += n;
        }
        return new Received(total, HexFormat.of().formatHex(digest.digest()));
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
