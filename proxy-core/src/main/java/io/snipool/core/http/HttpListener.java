package io.snipool.core.http;

import io.snipool.config.BackendTemplate;
import io.snipool.config.ForwardedConfig;
import io.snipool.config.Http2Limits;
import io.snipool.config.Limits;
import io.snipool.config.ListenerConfig;
import io.snipool.config.ProxyConfig;
import io.snipool.config.RouteConfig;
import io.snipool.config.Timeouts;
import io.snipool.core.accesslog.AccessLog;
import io.snipool.core.metrics.Http2Meters;
import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.metrics.RequestMeters;
import io.snipool.core.route.RouteTable;
import java.util.List;
import java.util.Map;

/**
 * What every event loop of one HTTP listener shares: its configuration, routing table, meters and, per route, how
 * each backend becomes a pool key (with the route's backend TLS profile, built here once). Immutable; a reload builds
 * a new one.
 *
 * @param forwarded whose forwarding headers are believed
 * @param gathered  which costly access log fields requests gather
 * @param keyMakers per route (in the order of {@code config.routes()}), the key maker of each backend
 * @param http2     the limits of the listener's client HTTP/2 connections
 * @param http2Meters what those connections refuse and the GOAWAY frames they carry
 */
public record HttpListener(ListenerConfig config, RouteTable routes, Timeouts timeouts, Limits limits,
                           ForwardedConfig forwarded, RequestLog.Gathered gathered,
                           ProxyMetrics.ListenerMeters meters, RequestMeters requests, AccessLog accessLog,
                           List<Map<BackendTemplate, BackendKeyMaker>> keyMakers, Http2Limits http2,
                           Http2Meters http2Meters) {

    /**
     * @param global the process's configuration, for the settings every listener shares
     * @throws IllegalArgumentException when a route's {@code backend_tls} cannot be made ready
     */
    public static HttpListener of(ListenerConfig config, ProxyConfig global, ProxyMetrics.ListenerMeters meters,
                                  RequestMeters requests, AccessLog accessLog) {
        List<Map<BackendTemplate, BackendKeyMaker>> keyMakers = config.routes().stream()
                .map(route -> BackendKeyMaker.forRoute(config.name(), route)).toList();
        return new HttpListener(config, RouteTable.of(config.routes()), global.timeouts(), global.limits(),
                global.forwarded(), RequestLog.Gathered.of(global.accessLog().written()), meters, requests,
                accessLog, keyMakers, global.http2(), meters.http2());
    }

    /** How {@code backend} of the route at {@code routeIndex} becomes a pool key. */
    BackendKeyMaker keyMaker(int routeIndex, BackendTemplate backend) {
        return keyMakers.get(routeIndex).get(backend);
    }

    /** The {@code route} metric label of a route: its first host as written. */
    static String routeLabel(RouteConfig route) {
        return route.hosts().get(0).toString();
    }
}
