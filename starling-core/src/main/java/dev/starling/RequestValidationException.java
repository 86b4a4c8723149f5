package dev.starling;

import java.util.List;
import java.util.Map;

/**
 * The values of a request that could not be bound or failed validation, FastAPI's
 * {@code RequestValidationError}. Unhandled, it becomes {@code 422 {"detail": errors}}; register an
 * exception handler for this type to answer differently.
 */
public abstract class RequestValidationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message; subclasses supply the errors. */
    protected RequestValidationException(String message) {
        super(message, null, false, false);
    }

    /** Returns one entry per failed value, in FastAPI's shape: {@code type}, {@code loc}, {@code msg}, {@code input}. */
    public abstract List<Map<String, Object>> errors();
}
