package io.keapgateway.resilience;

import io.quarkus.test.junit.QuarkusIntegrationTest;

@QuarkusIntegrationTest
class KeyConcurrencyIT extends KeyConcurrencyTest {
}
