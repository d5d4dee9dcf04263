package io.snipool.core.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoop;
import io.snipool.core.backend.HostResolver;
import io.snipool.core.backend.SniTemplate;
import io.snipool.core.backend.TargetConnector;
import io.snipool.core.backend.TlsIdentity;
import io.snipool.core.backend.TlsTarget;
import io.snipool.core.metrics.BackendTlsMeters;
import io.snipool.core.health.BackendHealth;
import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.pool.ConnectionPool;
import io.snipool.core.pool.EvictionReason;
import io.snipool.core.pool.IdleBudget;
import io.snipool.core.pool.KeySlots;
import io.snipool.core.pool.PoolSnapshot;
import io.snipool.config.BackendProtocol;
import io.snipool.config.BackendTemplate;
import io.snipool.config.HostPort;
import io.snipool.config.ListenerConfig;
import io.snipool.config.ProxyConfig;
import io.snipool.config.RouteConfig;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The backend pools of a process: one {@link ConnectionPool} per event loop, shared by every HTTP listener on
 * that loop, so two listeners reaching the same backend share its warm connections. {@code max_idle_total} is
 * one {@link IdleBudget} across them all, and {@code max_connections_per_host} is counted per backend in one
 * {@link KeySlots} across them all.
 */
public final class HttpPools {

    private final ChannelFactory<? extends Channel> channels;
    private final HostResolver resolver;
    private final Duration connectBackstop;
    private final int maxResponseHeadBytes;
    private final IdleBudget idleBudget;
    private final KeySlots<BackendKey> keySlots = new KeySlots<>();
    private final PoolMeters<BackendKey> meters;
    private final BackendTlsMeters tlsMeters;
    private final BackendTlsLog tlsLog = new BackendTlsLog();
    private final Map<EventLoop, LoopPools> pools = new ConcurrentHashMap<>();
    private final Supplier<BackendHealth> health;

    /**
     * @param connectBackstop the socket-level connect timeout, TCP and TLS handshake together: the longest
     *                        {@code connect_timeout} of any route (the pool enforces each route's own)
     * @param health          the backends' health, asked before opening a connection ahead of demand: a backend
     *                        down or ejected is never warmed (a supplier: health is made after the pools, which it
     *                        tells of a backend going down)
     */
    public HttpPools(ChannelFactory<? extends Channel> channels, HostResolver resolver, Duration connectBackstop,
                     int maxResponseHeadBytes, int maxIdleTotal, PoolMeters<BackendKey> meters,
                     BackendTlsMeters tlsMeters, Supplier<BackendHealth> health) {
        this.channels = channels;
        this.resolver = resolver;
        this.connectBackstop = connectBackstop;
        this.maxResponseHeadBytes = maxResponseHeadBytes;
        this.idleBudget = new IdleBudget(maxIdleTotal);
        this.meters = meters;
        this.tlsMeters = tlsMeters;
        this.health = health;
    }

    /** The pools of {@code loop}, created on first use. Call on that loop. */
    LoopPools forLoop(EventLoop loop) {
        return pools.computeIfAbsent(loop, this::create);
    }

    public PoolMeters<BackendKey> meters() {
        return meters;
    }

    private LoopPools create(EventLoop loop) {
        TargetConnector connector = new TargetConnector(loop, channels, resolver, connectBackstop);
        NettyScheduler scheduler = new NettyScheduler(loop);
        BackendTransport transport = new BackendTransport(connector, connectBackstop, tlsMeters, tlsLog);
        ConnectionPool<BackendKey, Http1Connection> http1 = new ConnectionPool<>(new HttpBackendConnector(transport,
                maxResponseHeadBytes), scheduler, idleBudget, keySlots, meters, new Random(), this::warmable);
        // HTTP/2 connections sit in a generic pool of their own (their keys never meet HTTP/1.1 ones), under the same
        // idle budget and per-host connection counts.
        ConnectionPool<BackendKey, H2Connection> h2 = new ConnectionPool<>(new H2Connector(transport,
                maxResponseHeadBytes), scheduler, idleBudget, keySlots, meters, new Random(), this::warmable);
        return new LoopPools(http1, new H2StreamPool(h2, meters));
    }

    /** A backend may be warmed unless it is down or ejected (a template's address by passive ejection only). */
    private boolean warmable(BackendKey key) {
        BackendHealth backends = health.get();
        return key.dynamic() ? !backends.isDynamicEjected(key.address()) : backends.isUp(key.address());
    }

    /** Every pool's counts, each read on its own loop. */
    public CompletableFuture<List<PoolSnapshot<BackendKey>>> snapshots() {
        return onEveryLoop(LoopPools::snapshots)
                .thenApply(parts -> parts.stream().flatMap(List::stream).toList());
    }

    /** Each loop's pool counts and the HTTP/2 streams open on it, read in one task so the two agree. */
    public record LiveCounts(List<PoolSnapshot<BackendKey>> snapshots, Map<BackendKey, Integer> streams) {
    }

    /**
     * Every pool's counts and the HTTP/2 streams open now per key, summed over loops; each loop's two read together
     * (read apart, a connection could be counted as connecting in one and carrying streams in the other).
     */
    public CompletableFuture<LiveCounts> liveCounts() {
        return onEveryLoop(pool -> new LiveCounts(pool.snapshots(), pool.activeStreams())).thenApply(parts -> {
            List<PoolSnapshot<BackendKey>> snapshots = new ArrayList<>();
            Map<BackendKey, Integer> streams = new java.util.HashMap<>();
            for (LiveCounts part : parts) {
                snapshots.addAll(part.snapshots());
                part.streams().forEach((key, count) -> streams.merge(key, count, Integer::sum));
            }
            return new LiveCounts(snapshots, streams);
        });
    }

    /** {@code read} of every loop's pools, each on its own loop. */
    private <T> CompletableFuture<List<T>> onEveryLoop(java.util.function.Function<LoopPools, T> read) {
        List<CompletableFuture<T>> parts = new ArrayList<>();
        pools.forEach((loop, pool) -> parts.add(CompletableFuture.supplyAsync(() -> read.apply(pool), loop)));
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> parts.stream().map(CompletableFuture::join).toList());
    }

    /**
     * After a reload: the new {@code max_idle_total}, and the pools of static backends that are no longer
     * configured, or no longer with the same TLS settings or protocol, drain (their idle connections close, leased ones close
     * when returned). Template backends stay, and so do TLS pools of an SNI template: the names that expand into them
     * come from clients, and unused ones are forgotten anyway.
     */
    public void reconfigure(ProxyConfig next) {
        idleBudget.limit(next.pool().maxIdleTotal());
        Set<Pinned> configured = new HashSet<>();
        for (ListenerConfig listener : next.listeners()) {
            for (RouteConfig route : listener.routes()) {
                if (listener.mode() != ListenerConfig.Mode.HTTP && !route.terminate()) {
                    continue; // a passthrough route's backends are dialed per connection, never pooled
                }
                Optional<TlsIdentity> tls = route.backendTls().map(TlsIdentity::of);
                Optional<String> sni = route.backendTls().flatMap(config -> SniTemplate.parse(config.sni()).fixed());
                for (BackendTemplate backend : route.backends()) {
                    if (backend.isStatic()) {
                        configured.add(new Pinned(backend.staticAddress(), route.allowPrivateTargets(), tls, sni,
                                route.backendProtocol()));
                    }
                }
            }
        }
        pools.forEach((loop, pool) -> loop.execute(() -> pool.retire(key -> !(key.dynamic()
                || configured.contains(Pinned.of(key, true)) || configured.contains(Pinned.of(key, false))),
                EvictionReason.REMOVED)));
    }

    /**
     * What a configured static backend fixes of its pool keys: the SNI only when it is not a template.
     *
     * @param sni the fixed SNI; empty for a template (any SNI) or no TLS
     */
    private record Pinned(HostPort address, boolean allowPrivateTargets, Optional<TlsIdentity> tls,
                          Optional<String> sni, BackendProtocol protocol) {

        /** The part of {@code key} a backend pins: with its SNI, or without (a template would have made it). */
        static Pinned of(BackendKey key, boolean withSni) {
            return new Pinned(key.address(), key.allowPrivateTargets(),
                    key.tls().map(target -> target.profile().identity()),
                    withSni ? key.tls().map(TlsTarget::sni) : Optional.empty(), key.protocol());
        }
    }

    /**
     * {@code address} went down or was ejected: every loop's pool closes its idle connections to it now and its busy
     * ones when their requests end (reason {@code backend_down}), and keeps none warm until it is leased again.
     * Template keys that resolved to the same address are not the configured backend, and are left alone.
     *
     * @return completes when every loop's pool has retired them (a lease after that never gets one)
     */
    public CompletableFuture<Void> backendDown(HostPort address) {
        return onEveryLoop(pool -> {
            pool.retire(key -> !key.dynamic() && key.address().equals(address), EvictionReason.BACKEND_DOWN);
            return null;
        }).thenApply(ignored -> null);
    }

    /** Closes every idle connection and refuses further leases, each pool on its own loop. */
    public CompletableFuture<Void> shutdown() {
        List<CompletableFuture<Void>> parts = new ArrayList<>();
        pools.forEach((loop, pool) -> parts.add(CompletableFuture.runAsync(pool::shutdown, loop)));
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
    }
}
