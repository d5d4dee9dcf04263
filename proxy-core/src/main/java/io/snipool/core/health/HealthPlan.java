package io.snipool.core.health;

import io.snipool.config.BackendPolicy;
import io.snipool.config.BackendTemplate;
import io.snipool.config.BackendTlsConfig;
import io.snipool.config.HealthCheckConfig;
import io.snipool.config.HostPattern;
import io.snipool.config.HostPort;
import io.snipool.config.ListenerConfig;
import io.snipool.config.OutlierDetectionConfig;
import io.snipool.config.ProxyConfig;
import io.snipool.config.RouteConfig;
import io.snipool.core.backend.BackendTlsProfile;
import io.snipool.core.backend.RouteTls;
import io.snipool.core.backend.SniTemplate;
import io.snipool.core.backend.TlsTarget;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * What a configuration asks of backend health: every static backend once, with the outlier settings of the first
 * route (in file order) that lists it and the check of the first route that checks it; and every route's static
 * backends, for {@code max_ejection_percent} and the {@code snipool_backend_up} gauges. Template backends are never
 * tracked: their addresses come from clients.
 */
record HealthPlan(Map<HostPort, BackendPlan> backends, List<RoutePlan> routes) {

    /** One static backend: how real traffic ejects it, and how it is checked, if it is. */
    record BackendPlan(HostPort address, OutlierDetectionConfig outlier, Optional<ProbeTarget> check,
                       List<String> routes) {
    }

    /**
     * One route's static backends, each once.
     *
     * @param label      the route's first host as written, the {@code route} label of metrics
     * @param shares     each backend's weight and backup flag, index for index with {@code backends}
     * @param maxEjected how many of them may be ejected at once
     */
    record RoutePlan(String label, List<HostPort> backends, List<BackendSnapshot.RouteShare> shares, int maxEjected) {
    }

    HealthPlan {
        backends = Collections.unmodifiableMap(new LinkedHashMap<>(backends));
        routes = List.copyOf(routes);
    }

    /**
     * The plan of {@code config}.
     *
     * @throws IllegalArgumentException when a route's {@code backend_tls} cannot be made ready for its checks
     */
    static HealthPlan of(ProxyConfig config) {
        Map<HostPort, OutlierDetectionConfig> outliers = new LinkedHashMap<>();
        Map<HostPort, ProbeTarget> checks = new LinkedHashMap<>();
        Map<HostPort, List<String>> routesOf = new LinkedHashMap<>();
        List<RoutePlan> routes = new ArrayList<>();
        Supplier<BackendTlsProfile> unverified = new UnverifiedProfile();
        for (ListenerConfig listener : config.listeners()) {
            for (RouteConfig route : listener.routes()) {
                boolean passthrough = listener.mode() == ListenerConfig.Mode.TLS && !route.terminate();
                String label = route.hosts().get(0).toString();
                Map<HostPort, BackendSnapshot.RouteShare> shares = shares(route, label);
                Set<HostPort> addresses = shares.keySet();
                for (HostPort address : addresses) {
                    outliers.putIfAbsent(address, route.health().outlierDetection());
                    routesOf.computeIfAbsent(address, a -> new ArrayList<>()).add(label);
                    if (!checks.containsKey(address) && route.health().check().isPresent()) {
                        checks.put(address, target(address, route, route.health().check().get(), passthrough,
                                unverified));
                    }
                }
                routes.add(new RoutePlan(label, List.copyOf(addresses), List.copyOf(shares.values()),
                        route.health().outlierDetection().maxEjected(addresses.size())));
            }
        }
        Map<HostPort, BackendPlan> backends = new LinkedHashMap<>();
        outliers.forEach((address, outlier) -> backends.put(address, new BackendPlan(address, outlier,
                Optional.ofNullable(checks.get(address)), List.copyOf(routesOf.get(address)))));
        return new HealthPlan(backends, routes);
    }

    /**
     * The route's static backends, each once, in file order, with its share: an address listed twice has the sum of
     * its weights, and is a backup only if every entry says so.
     */
    private static Map<HostPort, BackendSnapshot.RouteShare> shares(RouteConfig route, String label) {
        Map<HostPort, BackendSnapshot.RouteShare> shares = new LinkedHashMap<>();
        for (int i = 0; i < route.backends().size(); i++) {
            BackendTemplate backend = route.backends().get(i);
            if (backend.isStatic()) {
                BackendPolicy.BackendShare share = route.backendPolicy().shares().get(i);
                shares.merge(backend.staticAddress(), new BackendSnapshot.RouteShare(label, share.weight(),
                        share.backup()), (first, again) -> new BackendSnapshot.RouteShare(label,
                        first.weight() + again.weight(), first.backup() && again.backup()));
            }
        }
        return shares;
    }

    /**
     * The check of {@code address} on {@code route}. TLS where the backends speak it: with the route's
     * {@code backend_tls}, or, on a passthrough route (whose client verifies the backend through the tunnel),
     * unverified; {@code tcp} never shakes hands.
     */
    private static ProbeTarget target(HostPort address, RouteConfig route, HealthCheckConfig check, boolean passthrough,
                                      Supplier<BackendTlsProfile> unverified) {
        String name = firstExactHost(route).orElse(null);
        String host = name != null ? name : address.toString();
        Optional<TlsTarget> tls = Optional.empty();
        boolean speaksTls = passthrough || route.backendTls().isPresent();
        if (speaksTls && check.type() != HealthCheckConfig.Type.TCP) {
            String fallbackSni = name != null ? name : address.host();
            if (route.backendTls().isPresent()) {
                RouteTls routeTls = RouteTls.of(route.backendTls().get());
                tls = Optional.of(new TlsTarget(sni(routeTls.sni(), fallbackSni, address), routeTls.profile()));
            } else {
                tls = Optional.of(new TlsTarget(fallbackSni, unverified.get()));
            }
        }
        return new ProbeTarget(address, check, tls, host);
    }

    /** The {@code sni} expanded with {@code ${host}} set to {@code host}; the backend's host if that cannot be. */
    private static String sni(SniTemplate template, String host, HostPort address) {
        SniTemplate.Expansion expansion = template.expand(Map.of(BackendTemplate.HOST_VARIABLE, host));
        return expansion instanceof SniTemplate.Expansion.Name named ? named.sni() : address.host();
    }

    private static Optional<String> firstExactHost(RouteConfig route) {
        return route.hosts().stream().filter(HostPattern.Exact.class::isInstance)
                .map(exact -> ((HostPattern.Exact) exact).name()).findFirst();
    }

    /** The context of checks on passthrough routes, built at most once per plan. */
    private static final class UnverifiedProfile implements Supplier<BackendTlsProfile> {
        private BackendTlsProfile profile;

        @Override
        public BackendTlsProfile get() {
            if (profile == null) {
                try {
                    profile = BackendTlsProfile.of(new BackendTlsConfig(BackendTlsConfig.DEFAULT_SNI, false,
                            Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Optional.empty()));
                } catch (SSLException e) {
                    throw new IllegalStateException("cannot build the TLS context of health checks: "
                            + e.getMessage(), e);
                }
            }
            return profile;
        }
    }
}
