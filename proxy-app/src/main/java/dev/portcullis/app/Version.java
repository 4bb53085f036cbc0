package dev.portcullis.app;

/** The version printed by {@code --version} and the startup line: the jar manifest's, or "dev". */
final class Version {

    private Version() {
    }

    /** {@code Implementation-Version} of the jar Portcullis runs from; "dev" from an IDE or classes dir. */
    static String current() {
        String version = Version.class.getPackage().getImplementationVersion();
        return version == null || version.isBlank() ? "dev" : version;
    }
}
