package io.snipool.core.pool;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A lease callback that keeps what it got, and the handle to cancel the request. */
final class LeaseRecorder implements LeaseCallback<FakeConnection> {

    private final List<Lease<FakeConnection>> leases = new ArrayList<>();
    private final List<LeaseFailure> failures = new ArrayList<>();
    Cancellable handle = Cancellable.NONE;

    @Override
    public void leased(Lease<FakeConnection> lease) {
        assertThat(lease.connection().isOpen()).as("a lease must never get a closed connection").isTrue();
        leases.add(lease);
    }

    @Override
    public void failed(LeaseFailure failure) {
        failures.add(failure);
    }

    boolean answered() {
        return leases.size() + failures.size() > 0;
    }

    /** The one lease this request got; fails if it got none, more than one, or a failure. */
    Lease<FakeConnection> lease() {
        assertThat(failures).as("lease failures").isEmpty();
        assertThat(leases).as("leases").hasSize(1);
        return leases.get(0);
    }

    /** The one failure this request got. */
    LeaseFailure failure() {
        assertThat(leases).as("leases").isEmpty();
        assertThat(failures).as("lease failures").hasSize(1);
        return failures.get(0);
    }

    void assertUnanswered() {
        assertThat(leases).as("leases").isEmpty();
        assertThat(failures).as("lease failures").isEmpty();
    }
}
