package dev.starling.internal.params;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Request values that could not be bound; becomes a 422 with FastAPI's {@code {"detail": [...]}} body. */
public final class ValidationFailure extends dev.starling.RequestValidationException {

    private static final long serialVersionUID = 1L;

    private final transient List<Map<String, Object>> errors;

    ValidationFailure(List<Map<String, Object>> errors) {
        super(errors.size() + " request value(s) failed validation.");
        this.errors = Collections.unmodifiableList(errors);
    }

    /** Returns the FastAPI-shaped entries, one per failed value. */
    @Override
    public List<Map<String, Object>> errors() {
        return errors;
    }

    /** Collects errors while the arguments of one request are bound. */
    static final class Collector {
        private List<Map<String, Object>> errors;

        void add(String type, String location, String name, String message, Object input) {
            add(type, List.of(location, name), message, input, null);
        }

        /** Adds one entry; {@code loc} is FastAPI's location list, {@code ctx} is omitted when null. */
        void add(String type, List<Object> loc, String message, Object input, Map<String, Object> ctx) {
            if (errors == null) {
                errors = new ArrayList<>(2);
            }
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("type", type);
            error.put("loc", loc);
            error.put("msg", message);
            error.put("input", input);
            if (ctx != null) {
                error.put("ctx", ctx);
            }
            errors.add(error);
        }

        boolean isEmpty() {
            return errors == null;
        }

        int size() {
            return errors == null ? 0 : errors.size();
        }

        void throwIfAny() {
            if (errors != null) {
                throw new ValidationFailure(errors);
            }
        }
    }
}
