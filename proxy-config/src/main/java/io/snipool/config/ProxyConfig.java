package io.snipool.config;

import java.util.List;

/**
 * The whole, validated configuration of a snipool process.
 *
 * @param warnings what the operator must hear of although the file is valid (a certificate that expires within
 *                 14 days, {@code verify: false}), each with its key path and line like a problem; logged at start
 *                 and at every reload, printed by {@code --check}
 * @param transport the socket transport of the event loops; read at start only
 * @param accept    whether each event loop accepts on a socket of its own; read at start only
 * @param forwarded whose forwarding headers HTTP listeners believe
 * @param http2     the limits of every client-side HTTP/2 connection
 */
public record ProxyConfig(List<ListenerConfig> listeners, PoolSettings pool, Timeouts timeouts, Limits limits,
                          Http2Limits http2,
                          MetricsConfig metrics, ShutdownConfig shutdown, AccessLogConfig accessLog,
                          ForwardedConfig forwarded, LoggingConfig logging, ReloadConfig reload, Transport transport,
                          AcceptMode accept, List<ConfigProblem> warnings) {

    public ProxyConfig {
        listeners = List.copyOf(listeners);
        warnings = List.copyOf(warnings);
    }
}
