package io.keapgateway.console;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link ConsoleSecurityTest} against the packaged application. */
@QuarkusIntegrationTest
class ConsoleSecurityIT extends ConsoleSecurityTest {
}
