package io.keapgateway.health;

import io.keapgateway.token.TokenCustody;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness ({@code /q/health/ready}) is DOWN while an OAuth connection needs re-authorization, naming it, so
 * that monitoring pages the operator instead of clients meeting 503s. Reads memory only.
 */
@Readiness
@ApplicationScoped
public class ConnectionsReadiness implements HealthCheck {

    private final TokenCustody custody;

    ConnectionsReadiness(TokenCustody custody) {
        this.custody = custody;
    }

    @Override
    public HealthCheckResponse call() {
        List<String> lost = custody.needingReauthorization();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("keap-connections").status(lost.isEmpty());
        for (String connection : lost) {
            response.withData(connection, "needs_reauth: POST /admin/connections/" + connection + "/authorize");
        }
        return response.build();
    }
}
