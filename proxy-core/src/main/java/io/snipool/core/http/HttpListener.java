package io.snipool.core.http;

import io.snipool.config.ListenerConfig;
import io.snipool.core.accesslog.AccessLog;
import io.snipool.config.Limits;
import io.snipool.config.Timeouts;
import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.metrics.RequestMeters;
import io.snipool.core.route.RouteTable;

/**
 * What every event loop of one HTTP listener shares: its configuration, routing table and meters. Immutable; a
 * reload builds a new one.
 */
public record HttpListener(ListenerConfig config, RouteTable routes, Timeouts timeouts, Limits limits,
                           ProxyMetrics.ListenerMeters meters, RequestMeters requests, AccessLog accessLog) {

    public static HttpListener of(ListenerConfig config, Timeouts timeouts, Limits limits,
                                  ProxyMetrics.ListenerMeters meters, RequestMeters requests, AccessLog accessLog) {
        return new HttpListener(config, RouteTable.of(config.routes()), timeouts, limits, meters, requests,
                accessLog);
    }

    /** The {@code route} metric label of a route: its first host as written. */
    static String routeLabel(io.snipool.config.RouteConfig route) {
        return route.hosts().get(0).toString();
    }
}
