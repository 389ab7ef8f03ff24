package io.keapgateway.admin;

import io.keapgateway.audit.AuditLog;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** {@code GET /admin/audit}: recent admin changes and token events, newest first. */
@Path("/admin/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

    private final AuditLog audit;

    AuditResource(AuditLog audit) {
        this.audit = audit;
    }

    @GET
    public List<AuditLog.Entry> recent(@QueryParam("limit") @DefaultValue("100") int limit) {
        if (limit < 1 || limit > 1000) {
            throw new GatewayException(ErrorCode.VALIDATION_FAILED, "'limit' must be from 1 to 1000.");
        }
        return audit.recent(limit);
    }
}
