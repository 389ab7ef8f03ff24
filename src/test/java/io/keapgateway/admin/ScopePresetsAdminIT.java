package io.keapgateway.admin;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link ScopePresetsAdminTest} against the packaged application. */
@QuarkusIntegrationTest
class ScopePresetsAdminIT extends ScopePresetsAdminTest {
}
