package io.snipool.config;

import java.util.List;

/** The whole, validated configuration of a snipool process. */
public record ProxyConfig(List<ListenerConfig> listeners, PoolSettings pool, Timeouts timeouts, Limits limits,
                          MetricsConfig metrics, ShutdownConfig shutdown, AccessLogConfig accessLog,
                          LoggingConfig logging, ReloadConfig reload) {

    public ProxyConfig {
        listeners = List.copyOf(listeners);
    }
}
