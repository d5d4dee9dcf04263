package io.snipool.core.accesslog;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The combined log format of Apache and nginx ({@code $remote_addr - $remote_user [$time_local] "$request" $status
 * $body_bytes_sent "$http_referer" "$http_user_agent"}), then the request id and the duration in milliseconds, so
 * that log tools that read combined lines read these. Times are UTC. As nginx does, a byte of a quoted value that is
 * a control character, not ASCII, a quote or a backslash is written {@code \xHH}, so a client cannot break a line.
 * A TLS connection's line has {@code "-"} for its request and {@code -} for its status.
 */
public final class CombinedLines implements AccessLineFormat {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z",
            Locale.ENGLISH).withZone(ZoneOffset.UTC);
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    @Override
    public String line(AccessRecord record) {
        StringBuilder line = new StringBuilder(256);
        line.append(address(record.client())).append(" - - [");
        TIME.formatTo(record.time(), line);
        line.append("] \"");
        if (record.method() == null) {
            line.append('-');
        } else {
            escaped(line, record.method()).append(' ');
            escaped(line, record.path()).append(' ');
            escaped(line, record.protocol() == null ? "-" : record.protocol());
        }
        line.append("\" ");
        if (record.status() == 0) {
            line.append('-');
        } else {
            line.append(record.status());
        }
        line.append(' ');
        if (record.bytesOut() == 0) {
            line.append('-');
        } else {
            line.append(record.bytesOut());
        }
        line.append(" \"");
        escaped(line, record.referer() == null ? "-" : record.referer()).append("\" \"");
        escaped(line, record.userAgent() == null ? "-" : record.userAgent()).append("\" ");
        line.append(record.requestId() == null ? "-" : record.requestId()).append(' ');
        long micros = record.durationMicros();
        line.append(micros / 1000).append('.');
        long fraction = micros % 1000;
        if (fraction < 100) {
            line.append(fraction < 10 ? "00" : "0");
        }
        return line.append(fraction).toString();
    }

    /** The address of {@code address:port} (an IPv6 one bracketed or not), as {@code $remote_addr} shows it. */
    static String address(String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        String host = colon > 0 ? endpoint.substring(0, colon) : endpoint;
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static StringBuilder escaped(StringBuilder line, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                if (c > 0xff) {
                    // Netty reads header bytes as ISO-8859-1, so this is not a byte that came in: write it as UTF-8.
                    for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
                        line.append("\\x").append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
                    }
                } else {
                    line.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                }
            } else {
                line.append(c);
            }
        }
        return line;
    }
}
