/**
 * Authentication as dependencies, FastAPI's {@code fastapi.security}: API keys, HTTP Basic, HTTP Bearer and the
 * OAuth2 password flow with scopes, each answering {@code 401} with {@code WWW-Authenticate} and each listed in
 * the OpenAPI document, so that Swagger UI's Authorize button works.
 *
 * <pre>{@code
 * app.providers(SecurityScheme.oauth2Password("token").scope("items", "Read items"))
 *    .providers(new Auth());   // @Provides User user(@Depends Credentials token, SecurityScopes required)
 * app.include(new Api());      // @Post("/token") Token token(@Depends PasswordForm form)
 *                              // @Get("/items") List<Item> items(@Depends @Scopes("items") User user)
 * }</pre>
 */
package dev.starling.security;
