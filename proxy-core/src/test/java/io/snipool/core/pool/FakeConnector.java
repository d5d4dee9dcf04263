package io.snipool.core.pool;

import io.snipool.config.PoolSettings;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Records connects and lets the test complete or fail them, oldest first. */
final class FakeConnector implements PoolConnector<String, FakeConnection> {

    private record Attempt(String key, ConnectCallback<FakeConnection> callback) { }

    /** The settings the last connect was asked with. */
    PoolSettings lastSettings;

    private final ArrayDeque<Attempt> inFlight = new ArrayDeque<>();
    private final List<String> requestedKeys = new ArrayList<>();
    private final List<FakeConnection> made = new ArrayList<>();
    private boolean completeSynchronously;

    @Override
    public void connect(String key, PoolSettings settings, ConnectCallback<FakeConnection> callback) {
        requestedKeys.add(key);
        lastSettings = settings;
        if (completeSynchronously) {
            callback.connected(newConnection());
        } else {
            inFlight.addLast(new Attempt(key, callback));
        }
    }

    /** From now on, connects succeed before {@code connect} returns. */
    void completeSynchronously() {
        completeSynchronously = true;
    }

    /** Succeeds the oldest connect in flight and returns its connection. */
    FakeConnection complete() {
        Attempt attempt = next();
        FakeConnection connection = newConnection();
        attempt.callback.connected(connection);
        return connection;
    }

    /** Completes every connect in flight, oldest first. */
    List<FakeConnection> completeAll() {
        List<FakeConnection> connections = new ArrayList<>();
        while (!inFlight.isEmpty()) {
            connections.add(complete());
        }
        return connections;
    }

    void fail(Throwable cause) {
        next().callback.failed(cause);
    }

    /** Connects started and not yet completed or failed. */
    int inFlight() {
        return inFlight.size();
    }

    /** Every connect ever asked for, by key. */
    List<String> requestedKeys() {
        return requestedKeys;
    }

    List<FakeConnection> made() {
        return made;
    }

    private Attempt next() {
        assertThat(inFlight).as("connects in flight").isNotEmpty();
        return inFlight.pollFirst();
    }

    private FakeConnection newConnection() {
        FakeConnection connection = new FakeConnection(made.size() + 1);
        made.add(connection);
        return connection;
    }
}
