package io.snipool.config;

import java.time.Duration;
import java.util.Locale;

/** Parses and prints the durations ({@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h}) and sizes of the file. */
public final class Units {

    private Units() {
    }

    /**
     * Parses a duration: a whole number followed by {@code ms}, {@code s}, {@code m} or {@code h}; {@code 0}
     * alone is zero.
     *
     * @throws IllegalArgumentException with a message fit for the user
     */
    public static Duration parseDuration(String text) {
        String trimmed = text.strip();
        if (trimmed.equals("0")) {
            return Duration.ZERO;
        }
        int digits = leadingDigits(trimmed);
        if (digits == 0 || digits == trimmed.length() || digits > 12) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (expected e.g. 250ms, 30s, 5m, 1h)");
        }
        long amount = Long.parseLong(trimmed.substring(0, digits));
        return switch (trimmed.substring(digits)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> throw new IllegalArgumentException("'" + text
                    + "' has an unknown unit (expected ms, s, m or h, e.g. 30s)");
        };
    }

    /**
     * Parses a size: a whole number of bytes, optionally followed by {@code B}, {@code KiB}, {@code MiB} or
     * {@code GiB}.
     *
     * @throws IllegalArgumentException with a message fit for the user
     */
    public static long parseSize(String text) {
        String trimmed = text.strip();
        int digits = leadingDigits(trimmed);
        if (digits == 0 || digits > 12) {
            throw new IllegalArgumentException("'" + text + "' is not a size (expected e.g. 512, 64KiB, 1MiB)");
        }
        long amount = Long.parseLong(trimmed.substring(0, digits));
        String unit = trimmed.substring(digits).strip();
        return switch (unit.toLowerCase(Locale.ROOT)) {
            case "", "b" -> amount;
            case "kib" -> amount * 1024;
            case "mib" -> amount * 1024 * 1024;
            case "gib" -> amount * 1024 * 1024 * 1024;
            case "k", "kb", "m", "mb", "g", "gb" -> throw new IllegalArgumentException("'" + text
                    + "': write binary units explicitly (KiB, MiB, GiB)");
            default -> throw new IllegalArgumentException("'" + text
                    + "' has an unknown unit (expected B, KiB, MiB or GiB)");
        };
    }

    /** The shortest exact form: {@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h}. */
    public static String formatDuration(Duration duration) {
        long millis = duration.toMillis();
        if (millis == 0) {
            return "0s";
        }
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }

    /** The shortest exact form: {@code 512}, {@code 64KiB}, {@code 1MiB}. */
    public static String formatSize(long bytes) {
        if (bytes != 0 && bytes % (1024L * 1024 * 1024) == 0) {
            return bytes / (1024L * 1024 * 1024) + "GiB";
        }
        if (bytes != 0 && bytes % (1024L * 1024) == 0) {
            return bytes / (1024L * 1024) + "MiB";
        }
        if (bytes != 0 && bytes % 1024 == 0) {
            return bytes / 1024 + "KiB";
        }
        return Long.toString(bytes);
    }

    private static int leadingDigits(String text) {
        int i = 0;
        while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
            i++;
        }
        return i;
    }
}
