package io.keapgateway.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;

/** Turns records into the JSON documents kept in the store, and back. */
@ApplicationScoped
public class Documents {

    private final ObjectMapper json;

    Documents(ObjectMapper json) {
        this.json = json;
    }

    public String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /** @throws StoreUnreadable when the document does not decode as {@code type} */
    public <T> T read(String document, Class<T> type) {
        try {
            return json.readValue(document, type);
        } catch (JsonProcessingException e) {
            throw new StoreUnreadable(type, e); // not chained: the parser's message quotes the document
        }
    }
}
