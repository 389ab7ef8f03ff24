package io.keapgateway.activity;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link KeyActivityTest} against the packaged application. */
@QuarkusIntegrationTest
class KeyActivityIT extends KeyActivityTest {
}
