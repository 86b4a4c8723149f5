package dev.starling;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** Reads a PEM private key for {@link Tls#fromPem}: PKCS#8 with the JDK, PKCS#1 and SEC1 with BouncyCastle. */
final class PemKeys {

    private static final String PKCS8 = "-----BEGIN PRIVATE KEY-----";
    private static final List<String> ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448");

    private PemKeys() {
    }

    static PrivateKey read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("The private key " + file + " cannot be read (" + e.getMessage()
                    + ").", e);
        }
        if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            throw new IllegalArgumentException("The private key " + file + " is encrypted; Starling reads"
                    + " unencrypted keys (openssl pkcs8 -topk8 -nocrypt -in key.pem -out plain.pem).");
        }
        int start = text.indexOf(PKCS8);
        if (start >= 0) {
            int end = text.indexOf("-----END PRIVATE KEY-----", start);
            byte[] der = Base64.getMimeDecoder().decode(text.substring(start + PKCS8.length(), end < 0 ? text.length()
                    : end));
            for (String algorithm : ALGORITHMS) {
                try {
                    return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                } catch (GeneralSecurityException wrongAlgorithm) {
                    // the next algorithm may read it
                }
            }
            throw new IllegalArgumentException("The private key " + file + " is PKCS#8, but not an RSA, EC or"
                    + " EdDSA key the JDK can read.");
        }
        if (text.contains("-----BEGIN RSA PRIVATE KEY-----") || text.contains("-----BEGIN EC PRIVATE KEY-----")) {
            try {
                Class.forName("org.bouncycastle.openssl.PEMParser", false, PemKeys.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException("The private key " + file + " is in the PKCS#1 or SEC1 form,"
                        + " which needs BouncyCastle (org.bouncycastle:bcpkix-jdk18on); add it, or convert the key"
                        + " to PKCS#8 (openssl pkcs8 -topk8 -nocrypt -in key.pem -out plain.pem).", e);
            }
            return Legacy.read(file);
        }
        throw new IllegalArgumentException("The private key " + file + " holds no PEM private key"
                + " (-----BEGIN PRIVATE KEY-----).");
    }

    /** Holds every reference to BouncyCastle, so that this class loads only when it is there. */
    private static final class Legacy {
        static PrivateKey read(Path file) {
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                 PEMParser parser = new PEMParser(in)) {
                Object read = parser.readObject();
                if (read instanceof PEMKeyPair pair) {
                    return new JcaPEMKeyConverter().getKeyPair(pair).getPrivate();
                }
                throw new IllegalArgumentException("The private key " + file + " holds no key pair BouncyCastle"
                        + " can read.");
            } catch (IOException e) {
                throw new IllegalArgumentException("The private key " + file + " cannot be read (" + e.getMessage()
                        + ").", e);
            }
        }
    }
}
