package io.keapgateway.admin;

import io.keapgateway.audit.AuditLog;
import io.keapgateway.connection.Connection;
import io.keapgateway.connection.ConnectionRegistry;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.proxy.ConnectionProbe;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code POST /admin/connections/{name}/test}: one cheap Keap call through the gateway, answering what Keap
 * said and how long it took ({@link ConnectionProbe}). Audited: it spends one request of Keap's quota.
 */
@Path("/admin/connections/{name}/test")
@Produces(MediaType.APPLICATION_JSON)
public class ConnectionTestResource {

    private final ConnectionRegistry registry;
    private final ConnectionProbe probe;
    private final AuditLog audit;

    ConnectionTestResource(ConnectionRegistry registry, ConnectionProbe probe, AuditLog audit) {
        this.registry = registry;
        this.probe = probe;
        this.audit = audit;
    }

    /** Runs on a worker thread; every wait inside is bounded (pool wait, Keap's response timeout, refresh). */
    @POST
    public ConnectionProbe.Result test(@PathParam("name") String name, HttpServerRequest request) {
        Connection connection = registry.find(name)
                .orElseThrow(() -> new GatewayException(ErrorCode.NOT_FOUND, "There is no connection '" + name + "'."));
        String actor = Actor.of(request);
        try {
            ConnectionProbe.Result result = probe.probe(connection).await().indefinitely();
            audit.record(actor, "connection.test", name, "keap_status=" + result.keapStatus()
                    + " latency_ms=" + result.latencyMs());
            return result;
        } catch (GatewayException refused) {
            audit.record(actor, "connection.test", name, "refused=" + refused.code().code());
            throw refused;
        }
    }
}
