package dev.portcullis.config;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.LongFunction;

/**
 * Reads a file the config names, with the one-line messages every such file shares: not found,
 * a directory, not readable, too large. Callers add what their format needs.
 */
final class ConfigFiles {

    private ConfigFiles() {
    }

    /**
     * @param tooLarge the message when the file is above {@code maxBytes}, given its size
     */
    static byte[] read(Path file, long maxBytes, LongFunction<String> tooLarge) throws PemException {
        try {
            if (Files.isDirectory(file)) {
                throw new PemException(prefix(file) + "is a directory");
            }
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new PemException(prefix(file) + tooLarge.apply(size));
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new PemException(prefix(file) + "not found");
        } catch (AccessDeniedException e) {
            throw new PemException(prefix(file) + "not readable (permission denied)");
        } catch (IOException e) {
            throw new PemException(prefix(file) + "cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** {@code file "/abs/path": }, the start of every message about a file. */
    static String prefix(Path file) {
        return "file " + ValueErrors.quoteWhole(file.toString()) + ": ";
    }
}
