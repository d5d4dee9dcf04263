package io.snipool.core.testbed;

import io.netty.channel.EventLoop;
import io.snipool.core.backend.HostResolver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * DNS for tests: a fixed map from names to addresses; an unknown name fails as NXDOMAIN would. Answers can be held
 * back until the test releases them, to act while a lookup is in flight.
 */
public final class FakeResolver implements HostResolver {

    private final Map<String, List<InetAddress>> records = new ConcurrentHashMap<>();
    private final BlockingQueue<Runnable> heldAnswers = new LinkedBlockingQueue<>();
    private volatile boolean holding;

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

    /** From now on, lookups wait for {@link #releaseNext} instead of being answered. */
    public FakeResolver holdAnswers() {
        holding = true;
        return this;
    }

    /**
     * Waits for the next held lookup and answers it; returns once the proxy's callback has run on its event loop.
     */
    public void releaseNext() throws Exception {
        Runnable answer = heldAnswers.poll(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (answer == null) {
            throw new AssertionError("no lookup was made in " + Await.TIMEOUT);
        }
        answer.run();
    }

    /** Waits until a lookup is held, without answering it. */
    public void awaitHeldLookup() throws InterruptedException {
        Await.until("a lookup held", heldAnswers::size, held -> held > 0);
    }

    /** Answers later on {@code loop}, as a real resolver does, never from inside the call. */
    @Override
    public void resolve(String host, EventLoop loop, Callback callback) {
        List<InetAddress> addresses = records.get(host);
        Runnable answer = () -> {
            if (addresses == null) {
                callback.failed(new UnknownHostException(host + ": no such name in the test's resolver"));
            } else {
                callback.resolved(addresses);
            }
        };
        if (holding) {
            heldAnswers.add(() -> {
                try {
                    loop.submit(answer).get(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("the resolver callback failed", e);
                }
            });
        } else {
            loop.execute(answer);
        }
    }
}
