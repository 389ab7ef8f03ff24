package io.keapgateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.keapgateway.auth.ActiveKey;
import io.keapgateway.auth.KeyPolicy;
import io.keapgateway.auth.KeyRecord;
import io.keapgateway.auth.KeyService;
import io.keapgateway.auth.KeyUsage;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code /admin/keys}: issue, list, change, rotate, revoke and check gateway keys. */
@Path("/admin/keys")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class KeysResource {

    private final KeyService keys;
    private final KeyUsage usage;
    private final KeyCounters counters;
    private final Clock clock;

    KeysResource(KeyService keys, KeyUsage usage, KeyCounters counters, Clock clock) {
        this.keys = keys;
        this.usage = usage;
        this.counters = counters;
        this.clock = clock;
    }

    @POST
    public Response create(JsonNode body, HttpServerRequest request) {
        KeyService.Issued issued = keys.create(body, Actor.of(request));
        return Response.status(201).entity(view(issued.record(), issued.key())).build();
    }

    @GET
    public List<KeyView> list() {
        return keys.list().stream().map(key -> view(key, null)).toList();
    }

    @GET
    @Path("{id}")
    public KeyView get(@PathParam("id") String id) {
        return view(keys.get(id), null);
    }

    @PATCH
    @Path("{id}")
    @Consumes({MediaType.APPLICATION_JSON, "application/merge-patch+json"})
    public KeyView patch(@PathParam("id") String id, JsonNode patch, HttpServerRequest request) {
        return view(keys.patch(id, patch, Actor.of(request)), null);
    }

    @DELETE
    @Path("{id}")
    public Response revoke(@PathParam("id") String id, HttpServerRequest request) {
        keys.revoke(id, Actor.of(request));
        return Response.noContent().build();
    }

    @POST
    @Path("{id}/rotate")
    public KeyView rotate(@PathParam("id") String id, JsonNode body, HttpServerRequest request) {
        long graceSeconds = 0;
        if (body != null && body.has("grace_seconds")) {
            JsonNode grace = body.get("grace_seconds");
            if (!grace.isIntegralNumber() || grace.asLong() < 0 || grace.asLong() > 30L * 24 * 3600) {
                throw new GatewayException(ErrorCode.VALIDATION_FAILED,
                        "'grace_seconds' must be a whole number from 0 to 2592000 (30 days).");
            }
            graceSeconds = grace.asLong();
        }
        KeyService.Issued issued = keys.rotate(id, Duration.ofSeconds(graceSeconds), Actor.of(request));
        return view(issued.record(), issued.key());
    }

    /** Would this key be allowed {@code {method, path}} now, and if not, why. */
    @POST
    @Path("{id}/check")
    public Map<String, Object> check(@PathParam("id") String id, JsonNode body) {
        String method = body == null ? null : body.path("method").asText(null);
        String path = body == null ? null : body.path("path").asText(null);
        // On an XML-RPC endpoint the method called decides too (XmlRpcScopes); without it, only a scope
        // that allows every XML-RPC method allows the call.
        String xmlRpcMethod = body == null ? null : body.path("xmlrpc_method").asText(null);
        if (method == null || path == null || !path.startsWith("/")) {
            throw new GatewayException(ErrorCode.VALIDATION_FAILED,
                    "Send {\"method\": \"GET\", \"path\": \"/crm/rest/v1/contacts\"}, and for XML-RPC "
                            + "\"xmlrpc_method\": \"ContactService.load\".");
        }
        ActiveKey key = ActiveKey.of(keys.get(id)); // as stored: a key made on another replica a moment ago too
        Map<String, Object> answer = new LinkedHashMap<>();
        String upperMethod = method.toUpperCase(java.util.Locale.ROOT);
        var denial = KeyPolicy.denial(key, upperMethod, path, xmlRpcMethod, null, clock.instant())
                .or(() -> counters.dailyQuotaDenial(key.record()));
        answer.put("allowed", denial.isEmpty());
        denial.ifPresent(reason -> {
            answer.put("code", reason.code().code());
            answer.put("reason", reason.detail());
        });
        return answer;
    }

    private KeyView view(KeyRecord key, String secretKey) {
        KeyCounters.Today today = counters.today(key);
        return KeyView.of(key, usage.lastUsed(key.id()).orElse(null), today.requests(), today.denied(), secretKey);
    }
}
