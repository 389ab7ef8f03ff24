package io.keapgateway.admin;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link InfoAdminTest} against the packaged application. */
@QuarkusIntegrationTest
class InfoAdminIT extends InfoAdminTest {
}
