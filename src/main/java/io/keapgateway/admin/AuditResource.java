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

/**
 * {@code GET /admin/audit}: recent admin changes and token events, newest first; {@code ?key=<id>} keeps the
 * events of one key ({@code key.*}), {@code ?connection=<name>} those of one connection (everything else:
 * {@code connection.*}, {@code oauth.*}). Both filters search the whole kept trail, then {@code limit} applies.
 */
@Path("/admin/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

    private final AuditLog audit;

    AuditResource(AuditLog audit) {
        this.audit = audit;
    }

    @GET
    public List<AuditLog.Entry> recent(@QueryParam("limit") @DefaultValue("100") int limit,
            @QueryParam("key") String key, @QueryParam("connection") String connection) {
        if (limit < 1 || limit > AuditLog.KEPT) {
            throw new GatewayException(ErrorCode.VALIDATION_FAILED, "'limit' must be from 1 to " + AuditLog.KEPT + ".");
        }
        key = key == null || key.isBlank() ? null : key; // "?key=" filters nothing, as no key at all
        connection = connection == null || connection.isBlank() ? null : connection;
        if (key != null && connection != null) {
            throw new GatewayException(ErrorCode.VALIDATION_FAILED, "Filter by 'key' or by 'connection', not both.");
        }
        if (key == null && connection == null) {
            return audit.recent(limit);
        }
        boolean ofKey = key != null;
        String target = ofKey ? key : connection;
        return audit.recent(AuditLog.KEPT).stream()
                .filter(entry -> target.equals(entry.target()) && entry.action().startsWith("key.") == ofKey)
                .limit(limit).toList();
    }
}
