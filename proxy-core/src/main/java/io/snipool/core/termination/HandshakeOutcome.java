package io.snipool.core.termination;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;

/**
 * The metric label of a failed handshake, read from what the TLS engine threw: the JDK's and OpenSSL's messages
 * differ, so both are matched. Anything not recognised is {@code failed}.
 */
public final class HandshakeOutcome {

    private HandshakeOutcome() {
    }

    public static String of(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SslHandshakeTimeoutException) {
                return "timeout";
            }
            if (t instanceof NotSslRecordException) {
                return "bad_record";
            }
            if (t instanceof ClosedChannelException) {
                return "client_closed";
            }
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (message.contains("no_shared_cipher") || message.contains("no cipher suites in common")
                    || message.contains("no shared cipher")) {
                return "no_shared_cipher";
            }
            if (message.contains("protocol_version") || message.contains("unsupported_protocol")
                    || message.contains("wrong_version_number") || message.contains("is not enabled or supported")
                    || message.contains("no appropriate protocol") || message.contains("unsupported protocol")) {
                return "protocol_version";
            }
            if (message.contains("decode_error") || message.contains("bad_record")
                    || message.contains("record_overflow") || message.contains("unexpected_record")
                    || message.contains("unexpected message")) {
                return "bad_record";
            }
        }
        return "failed";
    }
}
