package io.snipool.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.snipool.config.Cidr;
import io.snipool.config.InetLiterals;
import io.snipool.config.MetricsConfig;
import io.snipool.core.metrics.LogThrottle;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Who may use the admin server: {@code metrics.allow} for every request, and a bearer token
 * ({@code metrics.token}) for the endpoints that change something, unless the server is bound to loopback (where
 * only this machine's users reach it, as before). Both are read from the configuration in use, so a reload rotates
 * the token. Refusals are counted by reason and logged, at most one line every 10 s.
 */
final class AdminAccess {

    static final String REFUSALS = "snipool_admin_refusals_total";

    private static final Logger LOG = Logger.getLogger(AdminAccess.class.getName());

    /** Why a request was refused: the {@code reason} label. */
    enum Refusal {
        /** The client address is outside a non-empty {@code metrics.allow}: 403. */
        NOT_ALLOWED,
        /** A mutating request, with no {@code metrics.token} configured on a server beyond loopback: 403. */
        NO_TOKEN_CONFIGURED,
        /** A mutating request without the right {@code Authorization: Bearer} token: 401. */
        BAD_TOKEN;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final boolean boundToLoopback;
    private final Supplier<MetricsConfig> config;
    private final Map<Refusal, Counter> refusals = new EnumMap<>(Refusal.class);
    private final LogThrottle logThrottle = new LogThrottle(LogThrottle.DEFAULT_INTERVAL);

    AdminAccess(boolean boundToLoopback, Supplier<MetricsConfig> config, MeterRegistry registry) {
        this.boundToLoopback = boundToLoopback;
        this.config = config;
        for (Refusal refusal : Refusal.values()) {
            refusals.put(refusal, Counter.builder(REFUSALS).description("Admin server requests refused, by reason")
                    .tag("reason", refusal.label()).register(registry));
        }
    }

    /**
     * Every request: on to the next handler when the client's address is allowed and, for a request that may
     * change something (any method but GET and HEAD), the token is right or not needed.
     */
    void admit(RoutingContext ctx) {
        if (!allowed(ctx.request().remoteAddress().hostAddress(), config.get())) {
            refuse(ctx, Refusal.NOT_ALLOWED, 403, "forbidden: " + ctx.request().remoteAddress().hostAddress()
                    + " is not in metrics.allow\n");
        } else if (ctx.request().method() == HttpMethod.GET || ctx.request().method() == HttpMethod.HEAD) {
            ctx.next();
        } else {
            authorize(ctx);
        }
    }

    private void authorize(RoutingContext ctx) {
        if (boundToLoopback) {
            ctx.next();
            return;
        }
        Optional<String> token = config.get().token();
        if (token.isEmpty()) {
            refuse(ctx, Refusal.NO_TOKEN_CONFIGURED, 403, "forbidden: set metrics.token to allow "
                    + ctx.request().method() + " " + ctx.request().path() + " on an admin server beyond loopback\n");
        } else if (!bearerMatches(ctx.request().getHeader(HttpHeaders.AUTHORIZATION), token.get())) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer");
            refuse(ctx, Refusal.BAD_TOKEN, 401, "unauthorized: send Authorization: Bearer <metrics.token>\n");
        } else {
            ctx.next();
        }
    }

    static boolean allowed(String address, MetricsConfig config) {
        if (config.allow().isEmpty()) {
            return true;
        }
        if (address == null || !InetLiterals.isIpLiteral(address)) {
            return false;
        }
        InetAddress client = InetLiterals.parse(address);
        for (Cidr cidr : config.allow()) {
            if (cidr.contains(client)) {
                return true;
            }
        }
        return false;
    }

    /** Compared in constant time, so the answer's timing tells nothing about how much of a guess was right. */
    static boolean bearerMatches(String authorization, String token) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] offered = authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(offered, token.getBytes(StandardCharsets.UTF_8));
    }

    private void refuse(RoutingContext ctx, Refusal refusal, int status, String body) {
        refusals.get(refusal).increment();
        String client = ctx.request().remoteAddress().hostAddress();
        logThrottle.admit(() -> "admin server refused " + ctx.request().method() + " " + ctx.request().path()
                + " from " + client + ": " + refusal.label(), "refusals").ifPresent(LOG::warning);
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                .end(body);
    }
}
