package dev.portcullis.config;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * Reads a {@code tls.session_tickets.key_file}: one or more 48-byte records, each
 * {@code name (16) | hmac key (16) | aes key (16)}, the layout of Netty's
 * {@code OpenSslSessionTicketKey}. The first key
 * encrypts new tickets; all of them decrypt, so a rotation prepends the new key and keeps the old
 * ones for a while. The config validator and the TLS context builder (first load and reload) both
 * read through here, so that a file that validates is a file that loads.
 *
 * <p>A new file is {@code head -c 48 /dev/urandom > ticket.keys}. Messages start with
 * {@code file "<path>": }, fit on one line and never carry key material.
 */
public final class TicketKeyFile {

    /** Bytes in one key record. */
    public static final int KEY_BYTES = 48;
    /** Bytes of each of the three parts of a record: name, HMAC key, AES key. */
    public static final int PART_BYTES = 16;

    /** Far more than any rotation scheme keeps; a file this large is the wrong file. */
    private static final int MAX_KEYS = 1024;

    private TicketKeyFile() {
    }

    /**
     * The keys in file order, each a fresh 48-byte array (split it at 16 and 32 for name, HMAC key
     * and AES key); at least one.
     *
     * @throws PemException when the file is missing, unreadable, empty or not a whole number of keys
     */
    public static List<byte[]> read(Path file) throws PemException {
        requireNonNull(file, "file");
        byte[] bytes = ConfigFiles.read(file, (long) MAX_KEYS * KEY_BYTES, size -> size + " bytes is more than " + MAX_KEYS + " " + KEY_BYTES + "-byte keys");
        if (bytes.length == 0) {
            throw new PemException(ConfigFiles.prefix(file) + "empty (expected: one or more " + KEY_BYTES + "-byte keys)");
        }
        if (bytes.length % KEY_BYTES != 0) {
            throw new PemException(ConfigFiles.prefix(file) + bytes.length + " bytes is not a whole number of "
                    + KEY_BYTES + "-byte keys");
        }
        List<byte[]> keys = new ArrayList<>(bytes.length / KEY_BYTES);
        for (int offset = 0; offset < bytes.length; offset += KEY_BYTES) {
            keys.add(Arrays.copyOfRange(bytes, offset, offset + KEY_BYTES));
        }
        Arrays.fill(bytes, (byte) 0);
        return List.copyOf(keys);
    }
}
