package io.snipool.core.http;

import io.snipool.config.BackendProtocol;
import io.snipool.config.BackendTemplate;
import io.snipool.config.HostPort;
import io.snipool.config.RouteConfig;
import io.snipool.core.backend.RouteTls;
import io.snipool.core.backend.SniTemplate;
import io.snipool.core.backend.TlsTarget;
import io.snipool.core.route.BackendTarget;
import io.snipool.core.route.RouteMatch;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How one backend entry of a route becomes the pool key of a request. What does not depend on the request is worked
 * out once, when the listener's configuration is built: the whole key of a static backend without TLS or with a
 * fixed SNI, the address of a static backend whose SNI is a template. Immutable; shared by the event loops.
 */
public final class BackendKeyMaker {

    /** The key for one request, or why the request cannot have one. */
    sealed interface Made {
        record Key(BackendKey key) implements Made {
        }

        /** The backend or SNI template expanded to something that is not a host; nothing is connected. */
        record Refused(String reason) implements Made {
        }
    }

    private final BackendTemplate backend;
    private final boolean allowPrivateTargets;
    private final Optional<RouteTls> tls;
    /** The address of a static backend: computed once even when its SNI is per request. */
    private final Optional<HostPort> staticAddress;
    private final Optional<BackendKey> fixed;
    private final BackendProtocol protocol;

    private BackendKeyMaker(BackendTemplate backend, boolean allowPrivateTargets, Optional<RouteTls> tls,
                            BackendProtocol protocol) {
        this.backend = backend;
        this.protocol = protocol;
        this.allowPrivateTargets = allowPrivateTargets;
        this.tls = tls;
        this.staticAddress = backend.isStatic() ? Optional.of(backend.staticAddress()) : Optional.empty();
        boolean sniFixed = tls.isEmpty() || tls.get().sni().fixed().isPresent();
        this.fixed = staticAddress.isPresent() && sniFixed
                ? Optional.of(new BackendKey(staticAddress.get(), false, allowPrivateTargets,
                        tls.map(routeTls -> new TlsTarget(routeTls.sni().fixed().orElseThrow(), routeTls.profile())),
                        protocol))
                : Optional.empty();
    }

    /**
     * The makers of {@code route}'s backends, by identity of their {@link BackendTemplate} (what
     * {@link io.snipool.core.route.BackendSelector} hands out). Builds the route's TLS profile, if it has one.
     *
     * @throws IllegalArgumentException naming the listener and route, when its {@code backend_tls} cannot be made
     *                                  ready
     */
    static Map<BackendTemplate, BackendKeyMaker> forRoute(String listener, RouteConfig route) {
        Optional<RouteTls> tls;
        try {
            // An h2 route's profile offers ALPN h2 alone: a backend that would choose HTTP/1.1 fails the handshake.
            tls = route.backendTls().map(config -> RouteTls.of(config, route.backendProtocol() == BackendProtocol.H2));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("listener " + listener + ", route " + HttpListener.routeLabel(route)
                    + ": " + e.getMessage(), e);
        }
        Map<BackendTemplate, BackendKeyMaker> makers = new IdentityHashMap<>();
        for (BackendTemplate backend : route.backends()) {
            makers.put(backend, new BackendKeyMaker(backend, route.allowPrivateTargets(), tls,
                    route.backendProtocol()));
        }
        return Collections.unmodifiableMap(makers);
    }

    /** The key every request gets, when none of it depends on the request (what can be kept warm). */
    Optional<BackendKey> fixedKey() {
        return fixed;
    }

    /** The key for a request that matched the route with {@code match}. */
    Made key(RouteMatch match) {
        if (fixed.isPresent()) {
            return new Made.Key(fixed.get());
        }
        Optional<TlsTarget> tlsTarget = Optional.empty();
        if (tls.isPresent()) {
            SniTemplate.Expansion sni = tls.get().sni().expand(match.variables());
            if (sni instanceof SniTemplate.Expansion.Invalid invalid) {
                return new Made.Refused(backend.text() + ": " + invalid.reason());
            }
            tlsTarget = Optional.of(new TlsTarget(((SniTemplate.Expansion.Name) sni).sni(), tls.get().profile()));
        }
        if (staticAddress.isPresent()) {
            return new Made.Key(new BackendKey(staticAddress.get(), false, allowPrivateTargets, tlsTarget,
                    protocol));
        }
        BackendTarget target = BackendTarget.expand(backend, match);
        if (target instanceof BackendTarget.Dynamic dynamic) {
            return new Made.Key(new BackendKey(new HostPort(dynamic.host(), dynamic.port()), true,
                    allowPrivateTargets, tlsTarget, protocol));
        }
        // A template never expands to a Static target; only to a host to check, or to nothing.
        return new Made.Refused(backend.text() + ": " + ((BackendTarget.Invalid) target).reason());
    }
}
