package io.keapgateway.testsupport;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Gives every {@code @QuarkusTest} and {@code @QuarkusIntegrationTest} the test admin token and encryption
 * key as system properties of the application under test. They used to be {@code %test.} entries of
 * application.properties, which is packaged: the test values then sat in every jar, native executable and
 * image ({@code ImageIT} scans the images' layers for them). Global (not restricted to an annotated class):
 * the annotation below is what registers it.
 */
@QuarkusTestResource(TestSecretsResource.class)
public final class TestSecretsResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of(
                "keap-gateway.admin-token", GatewayProcess.ADMIN_TOKEN,
                "keap-gateway.encryption-key", GatewayProcess.ENCRYPTION_KEY);
    }

    @Override
    public void stop() {
        // nothing runs
    }
}
