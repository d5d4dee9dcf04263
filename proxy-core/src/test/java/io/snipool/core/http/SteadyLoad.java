package io.snipool.core.http;

import io.snipool.core.testbed.Await;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Steady GET load on an HTTP listener, for tests that change backends under it: some clients send one request after
 * another on a keep-alive connection (a new one after a failure, since the proxy closes after an error), others a new
 * connection with {@code Connection: close} for every request. Every request is recorded as an {@link Outcome} with
 * the {@link System#nanoTime()} it started and ended at, so a test can ask what happened in a window.
 */
final class SteadyLoad implements AutoCloseable {

    /** The host of the route the load goes to. */
    static final String HOST = "app.test";

    /**
     * An HTTP listener {@code web} with the route {@link #HOST} to three loopback backends whose ports are
     * {@code ${env:A}}, {@code ${env:B}}, {@code ${env:C}}, with {@code routeKeys} (YAML lines, may be empty) added.
     */
    static String threeBackends(String routeKeys) {
        return """
                listeners:
                  - name: web
                    bind: "127.0.0.1:0"
                    mode: http
                    routes:
                      - hosts: [app.test]
                        backends: ["127.0.0.1:${env:A}", "127.0.0.1:${env:B}", "127.0.0.1:${env:C}"]
                %s
                access_log: { enabled: false }
                """.formatted(routeKeys.indent(8).stripTrailing());
    }

    /** One request as a client saw it: {@code 200 <backend>} (the backend's name is the body), or what went wrong. */
    record Outcome(long startNanos, long endNanos, String answer) {

        boolean failed() {
            return !answer.startsWith("200 ");
        }

        /** True if the request started at or after {@code nanos} (compared by difference, as nanoTime needs). */
        boolean startedFrom(long nanos) {
            return startNanos - nanos >= 0;
        }
    }

    private final Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ExecutorService clients;
    private final List<Future<?>> running = new ArrayList<>();
    private final long startedNanos = System.nanoTime();

    private SteadyLoad(int keepAliveClients, int closeClients) {
        clients = Executors.newFixedThreadPool(keepAliveClients + closeClients);
    }

    /** Starts the clients: GETs of {@code path} with Host {@link #HOST} to {@code port}. */
    static SteadyLoad start(int port, String path, int keepAliveClients, int closeClients) {
        SteadyLoad load = new SteadyLoad(keepAliveClients, closeClients);
        String keepAlive = RawClient.get(HOST, path);
        String closing = RawClient.get(HOST, path, "Connection: close");
        for (int i = 0; i < keepAliveClients; i++) {
            load.running.add(load.clients.submit(() -> load.keepAlive(port, keepAlive)));
        }
        for (int i = 0; i < closeClients; i++) {
            load.running.add(load.clients.submit(() -> load.closing(port, closing)));
        }
        return load;
    }

    /** Every request so far. */
    List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    /**
     * The requests answered 200 that started in {@code [from, to)}, {@code to} being {@link Long#MAX_VALUE} for "until
     * now"; and how many of them {@code backend} answered.
     */
    Share share(String backend, long from, long to) {
        List<Outcome> answered = outcomes.stream().filter(outcome -> !outcome.failed())
                .filter(outcome -> outcome.startedFrom(from))
                .filter(outcome -> to == Long.MAX_VALUE || !outcome.startedFrom(to)).toList();
        return new Share(answered.stream().filter(outcome -> outcome.answer().equals("200 " + backend)).count(),
                answered.size());
    }

    /** {@code of} requests out of {@code among}. */
    record Share(long of, long among) {

        double fraction() {
            return among == 0 ? 0 : (double) of / among;
        }
    }

    /** Waits until {@code count} requests have ended. */
    void awaitRequests(String what, int count) throws InterruptedException {
        awaitRequests(what, () -> startedNanos, count);
    }

    /** Waits until {@code count} requests that started from {@code since} (read afresh each time) have ended. */
    void awaitRequests(String what, LongSupplier since, int count) throws InterruptedException {
        Await.until(what, () -> outcomes.stream().filter(outcome -> outcome.startedFrom(since.getAsLong())).count(),
                done -> done >= count);
    }

    /** Stops the clients and waits for their last requests to end; the outcomes are complete after this. */
    void stop() throws Exception {
        stop.set(true);
        for (Future<?> client : running) {
            client.get(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        stop.set(true);
        clients.shutdownNow();
    }

    private void keepAlive(int port, String request) {
        while (!stop.get()) {
            try (RawClient client = new RawClient(port)) {
                while (!stop.get()) {
                    Outcome outcome = request(client, request);
                    outcomes.add(outcome);
                    if (outcome.failed()) {
                        break;
                    }
                }
            } catch (Exception e) {
                outcomes.add(new Outcome(System.nanoTime(), System.nanoTime(), "cannot connect: " + e));
            }
        }
    }

    private void closing(int port, String request) {
        while (!stop.get()) {
            try (RawClient client = new RawClient(port)) {
                outcomes.add(request(client, request));
            } catch (Exception e) {
                outcomes.add(new Outcome(System.nanoTime(), System.nanoTime(), "cannot connect: " + e));
            }
        }
    }

    private static Outcome request(RawClient client, String request) {
        long start = System.nanoTime();
        try {
            HttpWire.Response response = client.exchange(request);
            return new Outcome(start, System.nanoTime(), response.status() + " " + response.bodyText());
        } catch (Exception e) {
            return new Outcome(start, System.nanoTime(), "failed: " + e);
        }
    }
}
