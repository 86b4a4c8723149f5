package dev.starling;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Documents one more response of a handler in the OpenAPI document, as FastAPI's {@code responses=} does: a status,
 * a description and the type of its JSON body. It changes what the document says, not what the server sends.
 *
 * <pre>{@code
 * @Get("/notes/{id}")
 * @ApiResponse(status = 404, description = "No note has that id.", body = Problem.class)
 * Note read(int id) { ... }
 *
 * @Post("/notes")
 * @ApiResponse(status = 201, description = "The note, created.", body = Note.class)
 * Response create(@Body NewNote note) { ... }         // a Response says its body type this way
 * }</pre>
 *
 * <p>For the handler's own success status (200, {@link Status}'s, 204 for {@code void}), only a description may be
 * given: the body there is the return type. A repeated status, {@code 422} (which Starling documents itself for
 * every route that binds a parameter), a status outside 200–599 and a body on a status without one (204, 205,
 * 304) fail start-up with a sentence saying so.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@Repeatable(ApiResponse.List.class)
public @interface ApiResponse {
    /** The status code, between 200 and 599. */
    int status();

    /** The description; empty means "Successful Response" for a 2xx status, else the status's reason phrase. */
    String description() default "";

    /**
     * The type of the body, documented as JSON ({@code String} as {@code text/plain}, {@code byte[]} as
     * {@code application/octet-stream}; an array type as a JSON array); {@code void} means no body.
     */
    Class<?> body() default void.class;

    /** Holds several {@link ApiResponse}s on one method; Java writes it when the annotation is repeated. */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface List {
        /** The responses, in the order written. */
        ApiResponse[] value();
    }
}
