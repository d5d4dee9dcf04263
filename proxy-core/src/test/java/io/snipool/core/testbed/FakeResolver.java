package io.snipool.core.testbed;

import io.netty.channel.EventLoop;
import io.snipool.core.backend.HostResolver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** DNS for tests: a fixed map from names to addresses; an unknown name fails as NXDOMAIN would. */
public final class FakeResolver implements HostResolver {

    private final Map<String, List<InetAddress>> records = new ConcurrentHashMap<>();

    public FakeResolver add(String name, String... addresses) {
        try {
            InetAddress[] parsed = new InetAddress[addresses.length];
            for (int i = 0; i < addresses.length; i++) {
                parsed[i] = InetAddress.getByName(addresses[i]);
            }
            records.put(name, List.of(parsed));
            return this;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP literal: " + String.join(", ", addresses), e);
        }
    }

    /** Answers later on {@code loop}, as a real resolver does, never from inside the call. */
    @Override
    public void resolve(String host, EventLoop loop, Callback callback) {
        List<InetAddress> addresses = records.get(host);
        loop.execute(() -> {
            if (addresses == null) {
                callback.failed(new UnknownHostException(host + ": no such name in the test's resolver"));
            } else {
                callback.resolved(addresses);
            }
        });
    }
}
