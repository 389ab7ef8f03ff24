package io.keapgateway.testsupport;

/**
 * What sets one test run apart from another on the same machine and the same Redis: Maven gives every run
 * an id of its own ({@code KGW_TEST_RUN}, also read by the test profile's Redis prefix), so that two runs at
 * once never read each other's keys or count each other as replicas.
 */
public final class TestRun {

    /** This run's id; {@code local} when a test is started outside Maven. */
    public static final String ID = System.getenv().getOrDefault("KGW_TEST_RUN", "local");

    /** The Redis prefix of the test profile ({@code %test.keap-gateway.redis-prefix}). */
    public static final String PREFIX = "kgw-test-" + ID + ":";

    private TestRun() {
    }

    /** A prefix of this run's for one test's own replicas: {@code kgw-it-<run>-<label>:}. */
    public static String prefix(String label) {
        return "kgw-it-" + ID + "-" + label + ":";
    }
}
