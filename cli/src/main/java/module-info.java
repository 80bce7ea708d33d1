/** Nothing here yet: the kiln command (Picocli) arrives with WASI. */
module dev.kiln.cli {
    requires dev.kiln;
    requires dev.kiln.wasi;
}
