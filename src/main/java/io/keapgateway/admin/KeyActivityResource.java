package io.keapgateway.admin;

import io.keapgateway.activity.KeyActivity;
import io.keapgateway.auth.KeyService;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.Context;
import java.net.URI;
import java.util.List;

/**
 * {@code GET /admin/keys/{id}/activity}: the key's kept proxied requests, newest first, from every replica,
 * filtered by {@code status} and paged with {@code limit} and {@code before} (the next page's address is in
 * the {@code Link} header, {@code rel="next"}); {@code /activity/today}: its requests and denials per hour.
 */
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
    public Response recent(@PathParam("id") String id, @QueryParam("status") String status,
            @QueryParam("before") String before, @QueryParam("limit") @DefaultValue("100") String limit,
            @Context UriInfo uri) {
        ActivityPage.Query query = ActivityPage.Query.parse(status, before, limit); // 400 before any store read
        keys.get(id); // 404 for an unknown key
        ActivityPage page = ActivityPage.of(activity.recent(id), query);
        Response.ResponseBuilder response = Response.ok(page.requests());
        if (page.next() != null) {
            URI next = uri.getRequestUriBuilder().replaceQueryParam("before", page.next()).build();
            response.header("Link", "<" + next.getRawPath() + "?" + next.getRawQuery() + ">; rel=\"next\"");
        }
        return response.build();
    }

    @GET
    @Path("today")
    public List<KeyActivity.Hour> today(@PathParam("id") String id) {
        keys.get(id);
        return activity.today(id);
    }
}
