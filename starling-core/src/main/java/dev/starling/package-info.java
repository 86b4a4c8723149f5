/**
 * The app, its routes and what handlers return.
 *
 * <pre>{@code
 * Starling app = Starling.create();
 * app.get("/hello", request -> "Hello, World!");                               // offloaded
 * app.getAsync("/ping", request -> CompletableFuture.completedFuture("pong"));  // on the loop
 * app.include(new ItemsApi());                                                  // @Get, @Post, ...
 * app.run();                                                                    // http://127.0.0.1:8000
 * }</pre>
 */
package dev.starling;
