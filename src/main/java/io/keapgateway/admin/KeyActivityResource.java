package io.keapgateway.admin;

import io.keapgateway.activity.KeyActivity;
import io.keapgateway.auth.KeyService;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** {@code GET /admin/keys/{id}/activity}: the key's last proxied requests, newest first, from every replica. */
@Path("/admin/keys/{id}/activity")
@Produces(MediaType.APPLICATION_JSON)
public class KeyActivityResource {

    private final KeyService keys;
    private final KeyActivity activity;

    KeyActivityResource(KeyService keys, KeyActivity activity) {
        this.keys = keys;
        this.activity = activity;
    }

    @GET
    public List<KeyActivity.Request> recent(@PathParam("id") String id) {
        keys.get(id); // 404 for an unknown key
        return activity.recent(id);
    }
}
