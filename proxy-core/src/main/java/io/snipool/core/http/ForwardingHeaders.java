package io.snipool.core.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import io.snipool.config.ListenerConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Header rewriting at the proxy: hop-by-hop fields removed (RFC 9110 §7.6.1), forwarding information added.
 * Pure functions over Netty's header maps; other fields keep their names' case and their order.
 */
public final class ForwardingHeaders {

    /**
     * Always hop-by-hop, whether or not Connection names them (RFC 9110 §7.6.1, and the legacy ones). Not
     * {@code Trailer}: it announces trailer fields end to end (RFC 9110 §6.6.2), and chunked trailers are passed on.
     */
    private static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "proxy-connection", "te",
            "transfer-encoding", "upgrade");

    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
    private static final AsciiString X_FORWARDED_HOST = AsciiString.cached("X-Forwarded-Host");
    private static final AsciiString FORWARDED = AsciiString.cached("Forwarded");

    /**
     * What a client may send to claim an address, scheme or host other than its own: {@code X-Forwarded-*}, RFC
     * 7239's {@code Forwarded}, and nginx's {@code X-Real-IP}, which snipool never sets but a backend may believe.
     */
    static final List<AsciiString> CLIENT_ADDRESS_FIELDS = List.of(X_FORWARDED_FOR, X_FORWARDED_PROTO,
            X_FORWARDED_HOST, FORWARDED, AsciiString.cached("X-Real-IP"));

    /**
     * The fields Netty's HTTP/2-to-HTTP/1.1 conversion adds ({@code x-http2-stream-id}, {@code x-http2-scheme}, ...),
     * held once: {@code values()} would copy the array for every head.
     */
    private static final List<AsciiString> HTTP2_EXTENSIONS = Arrays.stream(
            HttpConversionUtil.ExtensionHeaderNames.values()).map(HttpConversionUtil.ExtensionHeaderNames::text)
            .toList();

    private ForwardingHeaders() {
    }

    /** Removes the {@code x-http2-*} fields of Netty's conversion (or a peer's own): none may go on. */
    static void removeHttp2Extensions(HttpHeaders headers) {
        for (AsciiString name : HTTP2_EXTENSIONS) {
            headers.remove(name);
        }
    }

    /**
     * Removes hop-by-hop fields: {@code Connection}, every field it names, and the fixed list.
     * {@code Transfer-Encoding} goes too: each hop frames the body itself. With {@code keepUpgrade}, the
     * {@code Upgrade} field and the {@code Connection: upgrade} token are kept (an upgrade being forwarded).
     *
     * @return the lower-cased tokens the {@code Connection} field carried (e.g. "close", "keep-alive")
     */
    public static List<String> removeHopByHop(HttpHeaders headers, boolean keepUpgrade) {
        List<String> tokens = connectionTokens(headers);
        for (String named : tokens) {
            if (!(keepUpgrade && named.equals("upgrade")) && !isFramingField(named)) {
                headers.remove(named);
            }
        }
        for (String field : HOP_BY_HOP) {
            if (!(keepUpgrade && field.equals("upgrade"))) {
                headers.remove(field);
            }
        }
        if (keepUpgrade) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderNames.UPGRADE);
        }
        return tokens;
    }

    /**
     * The lower-cased tokens of every {@code Connection} field. Runs on every request and response head, so it
     * allocates nothing for a head without the field and no split array otherwise: a lower-case token that fills
     * its field (the usual "keep-alive" or "close") is the field's own string.
     */
    private static List<String> connectionTokens(HttpHeaders headers) {
        if (!headers.contains(HttpHeaderNames.CONNECTION)) {
            return List.of();
        }
        List<String> tokens = new ArrayList<>(2);
        for (String field : headers.getAll(HttpHeaderNames.CONNECTION)) {
            int start = 0;
            while (start <= field.length()) {
                int comma = field.indexOf(',', start);
                int end = comma < 0 ? field.length() : comma;
                String name = field.substring(start, end).strip().toLowerCase(Locale.ROOT);
                if (!name.isEmpty()) {
                    tokens.add(name);
                }
                start = end + 1;
            }
        }
        return tokens;
    }

    /**
     * A Connection token naming Content-Length or Host must not strip it: the message's framing and routing are
     * already decided, and removing them would make the forwarded message mean something else.
     */
    private static boolean isFramingField(String name) {
        return name.equals("content-length") || name.equals("host");
    }

    /**
     * Adds what a backend needs to know about the client, in the listener's configured style. The forwarding fields
     * a client sent ({@link #CLIENT_ADDRESS_FIELDS}) are believed only from a trusted proxy, to whose chain the
     * client is appended; from anyone else they are removed first, so a client cannot make a backend believe it has
     * another address: what the backend gets starts at the client snipool saw.
     *
     * @param trustedPeer   the client is one of {@code forwarded.trusted_proxies}
     * @param clientAddress the client's IP address (the real one when a PROXY header came in)
     * @param host          the Host the client asked for, as sent
     * @param proto         {@code http}, or {@code https} for a request that came over TLS snipool terminated
     */
    public static void addForwarded(HttpHeaders headers, ListenerConfig.ForwardedHeaders style, boolean trustedPeer,
                                    String clientAddress, String host, String proto) {
        if (!trustedPeer) {
            for (AsciiString field : CLIENT_ADDRESS_FIELDS) {
                headers.remove(field);
            }
        }
        switch (style) {
            case X_FORWARDED -> {
                String previous = trustedPeer ? joined(headers, X_FORWARDED_FOR) : null;
                headers.set(X_FORWARDED_FOR, previous == null ? clientAddress : previous + ", " + clientAddress);
                // A trusted proxy in front knows the scheme and host its client used; snipool only fills the gaps.
                if (!trustedPeer || !headers.contains(X_FORWARDED_PROTO)) {
                    headers.set(X_FORWARDED_PROTO, proto);
                }
                if (host != null && (!trustedPeer || !headers.contains(X_FORWARDED_HOST))) {
                    headers.set(X_FORWARDED_HOST, host);
                }
            }
            case FORWARDED -> {
                // RFC 7239 §4: an IPv6 node is quoted and bracketed.
                String node = clientAddress.indexOf(':') >= 0 ? "\"[" + clientAddress + "]\"" : clientAddress;
                String element = "for=" + node + ";proto=" + proto + (host == null ? "" : ";host=" + quoted(host));
                String previous = trustedPeer ? joined(headers, FORWARDED) : null;
                headers.set(FORWARDED, previous == null ? element : previous + ", " + element);
            }
            case NONE -> {
            }
        }
    }

    private static String joined(HttpHeaders headers, CharSequence name) {
        List<String> values = headers.getAll(name);
        return values.isEmpty() ? null : String.join(", ", values);
    }

    private static String quoted(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (!RequestHeadGuard.isTchar(value.charAt(i))) {
                return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            }
        }
        return value;
    }
}
