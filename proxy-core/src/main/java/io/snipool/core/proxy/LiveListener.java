package io.snipool.core.proxy;

import io.snipool.config.ListenerConfig;
import io.snipool.config.ProxyConfig;
import io.snipool.core.accesslog.AccessLog;
import io.snipool.core.http.HttpListener;
import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.metrics.RequestMeters;
import io.snipool.core.metrics.TlsMeters;

/**
 * The live configuration of one listener, as its event loops read it: replaced as a whole by a reload, so a new
 * connection (TLS) or request (HTTP) sees either the old configuration or the new one, never a mix, while what is
 * already in flight keeps the snapshot it started with. The meters stay, so counts continue across reloads.
 */
public final class LiveListener {

    /** The meters of a listener name: created once per process and handed to each deployment of that name. */
    record Meters(ProxyMetrics.ListenerMeters connections, RequestMeters requests, TlsMeters tls) {
    }

    private final ProxyMetrics.ListenerMeters meters;
    private final RequestMeters requests;
    private final TlsMeters tlsMeters;
    private volatile ListenerConfig config;
    private volatile ClientAdmission admission;
    private volatile TlsListener tls;
    private volatile HttpListener http;

    LiveListener(ListenerConfig config, ProxyConfig global, Meters meters, AccessLog accessLog) {
        this.meters = meters.connections();
        this.requests = meters.requests();
        this.tlsMeters = meters.tls();
        update(config, global, accessLog);
    }

    /** Installs a new configuration for this listener (same name, bind and mode). */
    void update(ListenerConfig next, ProxyConfig global, AccessLog accessLog) {
        admission = new ClientAdmission(next, System::nanoTime);
        if (next.mode() == ListenerConfig.Mode.TLS) {
            TlsListener nextTls = TlsListener.of(next, global.timeouts(), global.limits(), meters, tlsMeters,
                    accessLog);
            // Terminated connections are HTTP client connections of the terminating routes.
            http = HttpListener.of(nextTls.terminatingPart(), global, meters, requests, accessLog);
            tls = nextTls;
        } else {
            http = HttpListener.of(next, global, meters, requests, accessLog);
        }
        config = next;
    }

    public ListenerConfig config() {
        return config;
    }

    public ClientAdmission admission() {
        return admission;
    }

    public TlsListener tls() {
        return tls;
    }

    public HttpListener http() {
        return http;
    }

    public ProxyMetrics.ListenerMeters meters() {
        return meters;
    }
}
