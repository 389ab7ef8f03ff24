package io.keapgateway.proxy;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same fuzzing, against the packaged application. */
@QuarkusIntegrationTest
class FuzzIT extends FuzzTest {
}
