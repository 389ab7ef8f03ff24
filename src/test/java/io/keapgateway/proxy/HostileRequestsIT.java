package io.keapgateway.proxy;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same table, against the packaged application. */
@QuarkusIntegrationTest
class HostileRequestsIT extends HostileRequestsTest {
}
