package dev.starling.internal.binding;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Request values that could not be bound; becomes a 422 with FastAPI's {@code {"detail": [...]}} body. */
public final class ValidationFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient List<Map<String, Object>> errors;

    ValidationFailure(List<Map<String, Object>> errors) {
        super(errors.size() + " request value(s) failed validation", null, false, false);
        this.errors = Collections.unmodifiableList(errors);
    }

    public List<Map<String, Object>> errors() {
        return errors;
    }

    /** Collects errors while the arguments of one request are bound. */
    static final class Collector {
        private List<Map<String, Object>> errors;

        void add(String type, String location, String name, String message, Object input) {
            if (errors == null) {
                errors = new ArrayList<>(2);
            }
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("type", type);
            error.put("loc", List.of(location, name));
            error.put("msg", message);
            error.put("input", input);
            errors.add(error);
        }

        void throwIfAny() {
            if (errors != null) {
                throw new ValidationFailure(errors);
            }
        }
    }
}
