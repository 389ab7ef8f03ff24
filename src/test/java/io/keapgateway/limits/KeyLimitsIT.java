package io.keapgateway.limits;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same limits, from the packaged application. */
@QuarkusIntegrationTest
class KeyLimitsIT extends KeyLimitsTest {
}
