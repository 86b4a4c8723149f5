package dev.starling;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The identity a server shows over TLS: its private key and its certificate chain, leaf first. Give it to
 * {@link Config.Builder#tls(Tls)} to serve HTTPS; TLS 1.3 and 1.2 are offered, nothing older.
 *
 * <pre>{@code
 * Starling app = Starling.create(c -> c.tls(Tls.fromPem(Path.of("cert.pem"), Path.of("key.pem"))));
 * Starling dev = Starling.create(c -> c.tls(Tls.selfSigned()));     // for development only
 * }</pre>
 */
public final class Tls {

    private final PrivateKey privateKey;
    private final List<X509Certificate> chain;

    private Tls(PrivateKey privateKey, List<X509Certificate> chain) {
        this.privateKey = privateKey;
        this.chain = List.copyOf(chain);
    }

    /**
     * Reads a PEM certificate chain (leaf first) and a PEM private key (PKCS#8 {@code BEGIN PRIVATE KEY}; the
     * PKCS#1 and SEC1 forms need BouncyCastle's bcpkix on the class path).
     *
     * @throws IllegalArgumentException when a file cannot be read or holds no certificate or key, with a
     *                                  sentence naming the file
     */
    public static Tls fromPem(Path certificateChain, Path privateKey) {
        Objects.requireNonNull(certificateChain, "The certificate chain file must not be null.");
        Objects.requireNonNull(privateKey, "The private key file must not be null.");
        List<X509Certificate> chain = new ArrayList<>();
        try {
            byte[] pem = Files.readAllBytes(certificateChain);
            if (new String(pem, StandardCharsets.US_ASCII).contains("-----BEGIN CERTIFICATE-----")) {
                for (Certificate c : CertificateFactory.getInstance("X.509")
                        .generateCertificates(new ByteArrayInputStream(pem))) {
                    chain.add((X509Certificate) c);
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("The certificate chain " + certificateChain + " cannot be read ("
                    + e.getMessage() + ").", e);
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("The certificate chain " + certificateChain
                    + " holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
        }
        return new Tls(PemKeys.read(privateKey), chain);
    }

    /**
     * Takes the first private key entry of {@code store} (or the one named {@code alias} when it is not null)
     * with its certificate chain; {@code password} opens the key.
     *
     * @throws IllegalArgumentException when the store has no such entry, or the password does not open it
     */
    public static Tls fromKeyStore(KeyStore store, String alias, char[] password) {
        Objects.requireNonNull(store, "The key store must not be null.");
        Objects.requireNonNull(password, "The key password must not be null; give an empty array for none.");
        try {
            List<String> aliases = alias != null ? List.of(alias) : Collections.list(store.aliases());
            for (String a : aliases) {
                if (store.isKeyEntry(a) && store.getKey(a, password) instanceof PrivateKey key) {
                    List<X509Certificate> chain = new ArrayList<>();
                    for (Certificate c : store.getCertificateChain(a)) {
                        chain.add((X509Certificate) c);
                    }
                    return new Tls(key, chain);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("The key store's private key cannot be read (" + e.getMessage()
                    + "); check the password.", e);
        }
        throw new IllegalArgumentException(alias == null ? "The key store holds no private key entry."
                : "The key store holds no private key entry named '" + alias + "'.");
    }

    /**
     * Makes a new self-signed identity for {@code localhost} and {@code 127.0.0.1}, valid for 30 days, with a
     * fresh EC P-256 key: for development and tests, never for production (clients warn about it unless they
     * trust this very certificate). Needs BouncyCastle's bcpkix on the class path.
     *
     * @throws IllegalStateException when BouncyCastle is not on the class path
     */
    public static Tls selfSigned() {
        SelfSigned.Identity made = SelfSigned.make();
        return new Tls(made.key(), List.of(made.certificate()));
    }

    /** Returns the private key. */
    public PrivateKey privateKey() {
        return privateKey;
    }

    /** Returns the certificate chain, the server's own certificate first. */
    public List<X509Certificate> certificateChain() {
        return chain;
    }

    @Override
    public String toString() {
        X509Certificate leaf = chain.get(0);
        return "Tls[" + leaf.getSubjectX500Principal().getName() + ", valid until " + leaf.getNotAfter().toInstant()
                + "]";
    }
}
