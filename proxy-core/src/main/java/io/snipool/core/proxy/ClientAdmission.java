package io.snipool.core.proxy;

import io.snipool.config.Cidr;
import io.snipool.config.ClientLimits;
import io.snipool.config.ListenerConfig;
import io.snipool.core.failure.Failure;
import io.snipool.core.failure.FailureKind;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Decides whether a client may connect to a listener: the {@code allow}/{@code deny} lists (deny wins), then the
 * per-client limits on open connections and on new connections per second (a token bucket). IPv6 clients are
 * grouped by their {@code ipv6_group_prefix} network; an IPv4-mapped IPv6 address counts as its IPv4 address.
 * Thread-safe: shared by the listener's event loops.
 */
public final class ClientAdmission {

    /** The outcome of {@link #admit}. */
    public sealed interface Decision {
    }

    /** Admitted; {@link Ticket#release()} when the connection closes. */
    public record Admitted(Ticket ticket) implements Decision {
    }

    /** Refused: {@link FailureKind#DENIED}, {@link FailureKind#OVER_IP_LIMIT} or {@link FailureKind#OVER_IP_RATE}. */
    public record Refused(Failure failure) implements Decision {
    }

    /** An open connection's hold on its client group's count. */
    public static final class Ticket {
        /** Null for the shared ticket of a listener without per-client limits. */
        private final Group group;
        private boolean released;

        private Ticket(Group group) {
            this.group = group;
        }

        /** Gives the connection's place back; idempotent. */
        public void release() {
            if (group != null && !released) {
                released = true;
                group.open.decrementAndGet();
            }
        }
    }

    /** How many admissions pass between sweeps of forgotten client groups. */
    private static final int SWEEP_EVERY = 1024;

    private final ListenerConfig listener;
    private final ClientLimits limits;
    private final LongSupplier nanoClock;
    private final Map<InetAddress, Group> groups = new ConcurrentHashMap<>();
    private final AtomicInteger sinceSweep = new AtomicInteger();
    /** Without per-client limits every connection holds this one ticket, which counts nothing. */
    private final Admitted unlimited = new Admitted(new Ticket(null));
    /** The three answers, made once: a flood of refusals allocates nothing. */
    private final Refused denied;
    private final Refused overRate;
    private final Refused overLimit;

    public ClientAdmission(ListenerConfig listener, LongSupplier nanoClock) {
        this.listener = listener;
        this.limits = listener.clientLimits();
        this.nanoClock = nanoClock;
        this.denied = new Refused(Failure.of(FailureKind.DENIED, "the client address is not allowed (allow/deny)"));
        this.overRate = new Refused(Failure.of(FailureKind.OVER_IP_RATE, "more than "
                + limits.newConnectionsPerSecond() + " new connections per second (new_connections_per_ip)"));
        this.overLimit = new Refused(Failure.of(FailureKind.OVER_IP_LIMIT, "limit " + limits.maxConnections()
                + " open connections per client (max_connections_per_ip)"));
    }

    /** Checks the lists and takes a place within the client's limits. */
    public Decision admit(InetAddress client) {
        InetAddress address = unmapped(client);
        if (!allowed(address)) {
            return denied;
        }
        if (limits.maxConnections() == 0 && limits.newConnectionsPerSecond() == 0) {
            return unlimited;
        }
        if (sinceSweep.incrementAndGet() >= SWEEP_EVERY) {
            sinceSweep.set(0);
            sweep();
        }
        Group group = groups.computeIfAbsent(groupOf(address),
                key -> new Group(limits.newConnectionsBurst(), nanoClock.getAsLong()));
        if (limits.newConnectionsPerSecond() > 0 && !group.takeToken(limits, nanoClock.getAsLong())) {
            return overRate;
        }
        int open = group.open.incrementAndGet();
        if (limits.maxConnections() > 0 && open > limits.maxConnections()) {
            group.open.decrementAndGet();
            return overLimit;
        }
        return new Admitted(new Ticket(group));
    }

    private boolean allowed(InetAddress address) {
        for (Cidr denied : listener.deny()) {
            if (denied.contains(address)) {
                return false;
            }
        }
        if (listener.allow().isEmpty()) {
            return true;
        }
        for (Cidr allowed : listener.allow()) {
            if (allowed.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** Drops groups with no open connection whose bucket has refilled: they hold nothing worth remembering. */
    private void sweep() {
        long now = nanoClock.getAsLong();
        groups.entrySet().removeIf(entry -> entry.getValue().forgettable(limits, now));
    }

    /** The number of client groups remembered now (for tests). */
    int groupCount() {
        return groups.size();
    }

    private InetAddress groupOf(InetAddress address) {
        if (address instanceof Inet4Address) {
            return address;
        }
        byte[] bytes = address.getAddress();
        int prefix = limits.ipv6Prefix();
        for (int bit = prefix; bit < 128; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return byAddress(bytes);
    }

    /** {@code ::ffff:a.b.c.d} is the IPv4 client a.b.c.d, as far as lists and limits go. */
    static InetAddress unmapped(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] bytes = address.getAddress();
            boolean mapped = bytes[10] == (byte) 0xFF && bytes[11] == (byte) 0xFF;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = bytes[i] == 0;
            }
            if (mapped) {
                return byAddress(new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]});
            }
        }
        return address;
    }

    private static InetAddress byAddress(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** One client group: its open connections and its token bucket. */
    private static final class Group {
        final AtomicInteger open = new AtomicInteger();
        private double tokens;
        private long refilledAt;

        Group(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
        }

        synchronized boolean takeToken(ClientLimits limits, long now) {
            refill(limits, now);
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }

        synchronized boolean forgettable(ClientLimits limits, long now) {
            refill(limits, now);
            return open.get() == 0 && tokens >= limits.newConnectionsBurst();
        }

        private void refill(ClientLimits limits, long now) {
            double added = (now - refilledAt) / 1e9 * limits.newConnectionsPerSecond();
            tokens = Math.min(limits.newConnectionsBurst(), tokens + added);
            refilledAt = now;
        }
    }
}
