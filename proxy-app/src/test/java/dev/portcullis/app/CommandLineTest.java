package dev.portcullis.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandLineTest {

    @Test
    void bareConfigOptionMeansRun() throws CliError {
        assertThat(CommandLine.parse("--config", "p.yaml")).isEqualTo(new Command.Run(Path.of("p.yaml")));
        assertThat(CommandLine.parse("run", "--config", "p.yaml")).isEqualTo(new Command.Run(Path.of("p.yaml")));
        assertThat(CommandLine.parse("--config=p.yaml")).isEqualTo(new Command.Run(Path.of("p.yaml")));
    }

    @Test
    void validateNeedsAConfigFile() throws CliError {
        assertThat(CommandLine.parse("validate", "--config", "p.yaml")).isEqualTo(new Command.Validate(Path.of("p.yaml")));
        assertUsageError(new String[] {"validate"}, "portcullis validate: missing --config FILE (see: portcullis --help)");
    }

    @Test
    void demoDefaultsToATemporaryDirectoryAndPort8443() throws CliError {
        assertThat(CommandLine.parse("demo")).isEqualTo(new Command.Demo(Optional.empty(), 8443));
        assertThat(CommandLine.parse("demo", "--dir", "d", "--port", "9443"))
                .isEqualTo(new Command.Demo(Optional.of(Path.of("d")), 9443));
        assertThat(CommandLine.parse("demo", "--port=0")).isEqualTo(new Command.Demo(Optional.empty(), 0));
    }

    @Test
    void certsNeedsAnOutputDirectoryAndForceIsAFlag() throws CliError {
        assertThat(CommandLine.parse("certs", "--out", "pki")).isEqualTo(new Command.Certs(Path.of("pki"), false));
        assertThat(CommandLine.parse("certs", "--force", "--out", "pki")).isEqualTo(new Command.Certs(Path.of("pki"), true));
        assertUsageError(new String[] {"certs"}, "portcullis certs: missing --out DIR (see: portcullis --help)");
    }

    @Test
    void versionAndHelpNeedNothingElse() throws CliError {
        assertThat(CommandLine.parse("--version")).isEqualTo(new Command.Version());
        assertThat(CommandLine.parse("--help")).isEqualTo(new Command.Help());
        assertThat(CommandLine.parse("-h")).isEqualTo(new Command.Help());
        assertThat(CommandLine.parse("help")).isEqualTo(new Command.Help());
        assertThat(CommandLine.parse("validate", "--help")).isEqualTo(new Command.Help());
        assertUsageError(new String[] {"--version", "x"}, "portcullis --version: unexpected argument \"x\"");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
            "valdate                  | portcullis: unknown command \"valdate\" (did you mean \"validate\"?)",
            "vaildate                 | portcullis: unknown command \"vaildate\" (did you mean \"validate\"?)",
            "cert --out x             | portcullis: unknown command \"cert\" (did you mean \"certs\"?)",
            "serve                    | portcullis: unknown command \"serve\" (commands: run, validate, demo, certs; see: portcullis --help)",
            "--confg p.yaml           | portcullis: unknown option \"--confg\" (did you mean \"--config\"?)",
            "-config p.yaml           | portcullis: unknown option \"-config\" (did you mean \"--config\"?)",
            "--verison                | portcullis: unknown option \"--verison\" (did you mean \"--version\"?)",
            "validate --confg p.yaml  | portcullis validate: unknown option \"--confg\" (did you mean \"--config\"?)",
            "demo --prot 1            | portcullis demo: unknown option \"--prot\" (did you mean \"--port\"?)",
            "demo --listen 1          | portcullis demo: unknown option \"--listen\" (options: --dir, --port)",
            "certs --out x --froce    | portcullis certs: unknown option \"--froce\" (did you mean \"--force\"?)",
    })
    void typosAreUsageErrorsWithADidYouMeanOnTheSameLine(String args, String message) {
        assertUsageError(args.split(" "), message);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
            "''                            | portcullis: missing command or --config FILE (see: portcullis --help)",
            "--config                      | portcullis: --config needs a value",
            "--config --force              | portcullis: --config needs a value",
            "--config=                     | portcullis: --config needs a value",
            "--config a --config b         | portcullis: --config given more than once",
            "run --config a extra          | portcullis run: unexpected argument \"extra\" (see: portcullis --help)",
            "demo --port 70000             | portcullis demo: --port must be a number from 0 to 65535, not \"70000\"",
            "demo --port -1                | portcullis demo: --port must be a number from 0 to 65535, not \"-1\"",
            "demo --port eighty            | portcullis demo: --port must be a number from 0 to 65535, not \"eighty\"",
    })
    void malformedArgumentsAreOneLineUsageErrors(String args, String message) {
        assertUsageError(args.isEmpty() ? new String[0] : args.split(" "), message);
    }

    private static void assertUsageError(String[] args, String message) {
        assertThatThrownBy(() -> CommandLine.parse(args))
                .isInstanceOfSatisfying(CliError.class, e -> {
                    assertThat(e.exitCode()).as("usage errors exit 2").isEqualTo(2);
                    assertThat(e.getMessage()).isEqualTo(message).doesNotContain("\n");
                });
    }
}
