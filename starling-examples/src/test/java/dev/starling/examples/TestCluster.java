package dev.starling.examples;

import java.util.UUID;

/** The cluster name of the demo apps started by tests: their own, so they never join a running demo. */
final class TestCluster {

    static final String NAME = "starling-demo-test-" + UUID.randomUUID();

    private TestCluster() {
    }
}
