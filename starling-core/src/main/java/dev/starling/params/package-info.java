/**
 * Annotations that say where a handler parameter comes from.
 *
 * <pre>{@code
 * @Get("/items/{id}")
 * Item read(int id,                          // path: the name matches {id}
 *           @Query Optional<String> q,        // ?q=...
 *           @Header("user-agent") String ua)  // a request header
 * }</pre>
 *
 * <p>A parameter without an annotation is a path parameter when its name is in the template, else a
 * query parameter, as in FastAPI.
 */
package dev.starling.params;
