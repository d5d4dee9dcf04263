package io.snipool.core.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.snipool.config.ListenerConfig;
import java.util.ArrayList;
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

    private ForwardingHeaders() {
    }

    /**
     * Removes hop-by-hop fields: {@code Connection}, every field it names, and the fixed list.
     * {@code Transfer-Encoding} goes too: each hop frames the body itself. With {@code keepUpgrade}, the
     * {@code Upgrade} field and the {@code Connection: upgrade} token are kept (an upgrade being forwarded).
     *
     * @return the lower-cased tokens the {@code Connection} field carried (e.g. "close", "keep-alive")
     */
    public static List<String> removeHopByHop(HttpHeaders headers, boolean keepUpgrade) {
        List<String> tokens = new ArrayList<>(2);
        for (String connection : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : connection.split(",")) {
                String name = token.strip().toLowerCase(Locale.ROOT);
                if (!name.isEmpty()) {
                    tokens.add(name);
                }
            }
        }
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
     * A Connection token naming Content-Length or Host must not strip it: the message's framing and routing are
     * already decided, and removing them would make the forwarded message mean something else.
     */
    private static boolean isFramingField(String name) {
        return name.equals("content-length") || name.equals("host");
    }

    /**
     * Adds what a backend needs to know about the client, in the listener's configured style.
     *
     * @param clientAddress the client's IP address (the real one when a PROXY header came in)
     * @param host          the Host the client asked for, as sent
     * @param proto         {@code http}, or {@code https} for a request that came over TLS snipool terminated
     */
    public static void addForwarded(HttpHeaders headers, ListenerConfig.ForwardedHeaders style, String clientAddress,
                                    String host, String proto) {
        switch (style) {
            case X_FORWARDED -> {
                String previous = joined(headers, "x-forwarded-for");
                headers.set("X-Forwarded-For", previous == null ? clientAddress : previous + ", " + clientAddress);
                headers.set("X-Forwarded-Proto", proto);
                if (host != null) {
                    headers.set("X-Forwarded-Host", host);
                }
            }
            case FORWARDED -> {
                // RFC 7239 §4: an IPv6 node is quoted and bracketed.
                String node = clientAddress.indexOf(':') >= 0 ? "\"[" + clientAddress + "]\"" : clientAddress;
                String element = "for=" + node + ";proto=" + proto + (host == null ? "" : ";host=" + quoted(host));
                String previous = joined(headers, "forwarded");
                headers.set("Forwarded", previous == null ? element : previous + ", " + element);
            }
            case NONE -> {
            }
        }
    }

    private static String joined(HttpHeaders headers, String name) {
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
