package dev.portcullis.core.connection;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionPolicyTest {

    @Test
    void theExchangeThatReachesTheLimitIsTheLast() {
        ConnectionPolicy policy = new ConnectionPolicy(2);
        assertThat(policy.admit()).isTrue();
        assertThat(policy.isLast()).isFalse();
        assertThat(policy.admit()).isTrue();
        assertThat(policy.isLast()).isTrue();
    }

    @Test
    void drainingMakesTheExchangeInFlightTheLastAndRefusesNewOnes() {
        ConnectionPolicy policy = new ConnectionPolicy(100);
        assertThat(policy.admit()).isTrue();
        policy.drain();
        assertThat(policy.isLast()).isTrue();
        assertThat(policy.admit()).as("503 draining").isFalse();
    }
}
