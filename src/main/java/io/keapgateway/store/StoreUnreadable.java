package io.keapgateway.store;

/**
 * A stored document that does not decode (written by another version, or damaged). Its message names the
 * record's type and the decoder's failure class only: the document's text, which may hold a secret's hash or
 * a sealed credential, is never part of it.
 */
public final class StoreUnreadable extends RuntimeException {

    StoreUnreadable(Class<?> type, Exception cause) {
        super("stored " + type.getSimpleName() + " is not readable (" + cause.getClass().getSimpleName() + ")");
    }
}
