package dev.portcullis.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TicketKeyFileTest {

    @TempDir
    Path dir;

    @Test
    void keysAreRead48BytesEachInFileOrder() throws Exception {
        byte[] bytes = TestPki.randomBytes(3 * 48);
        Path file = Files.write(dir.resolve("ticket.keys"), bytes);

        List<byte[]> keys = TicketKeyFile.read(file);

        assertThat(keys).hasSize(3).allSatisfy(key -> assertThat(key).hasSize(48));
        assertThat(keys.get(0)).as("the first key encrypts, so order matters").isEqualTo(Arrays.copyOfRange(bytes, 0, 48));
        assertThat(keys.get(2)).isEqualTo(Arrays.copyOfRange(bytes, 96, 144));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 47, 49, 50, 80, 95})
    void aFileThatIsNotAWholeNumberOfKeysIsRefused(int size) throws Exception {
        Path file = Files.write(dir.resolve("ticket.keys"), new byte[size]);

        assertThatThrownBy(() -> TicketKeyFile.read(file))
                .isInstanceOf(PemException.class)
                .hasMessage("file \"" + file + "\": " + size + " bytes is not a whole number of 48-byte keys");
    }

    @Test
    void anEmptyFileIsRefused() throws Exception {
        Path file = Files.write(dir.resolve("ticket.keys"), new byte[0]);

        assertThatThrownBy(() -> TicketKeyFile.read(file))
                .hasMessage("file \"" + file + "\": empty (expected: one or more 48-byte keys)");
    }

    @Test
    void aMissingFileOrADirectoryIsRefused() {
        assertThatThrownBy(() -> TicketKeyFile.read(dir.resolve("nope.keys")))
                .hasMessage("file \"" + dir.resolve("nope.keys") + "\": not found");
        assertThatThrownBy(() -> TicketKeyFile.read(dir))
                .hasMessage("file \"" + dir + "\": is a directory");
    }

    @Test
    void aHugeFileIsRefusedBeforeItIsRead() throws Exception {
        Path file = Files.write(dir.resolve("ticket.keys"), new byte[1025 * 48]);

        assertThatThrownBy(() -> TicketKeyFile.read(file))
                .hasMessage("file \"" + file + "\": 49200 bytes is more than 1024 48-byte keys");
    }
}
