/**
 * WASI preview1 ({@code wasi_snapshot_preview1}) for Kiln: host functions over the public embedding
 * API ({@link dev.kiln.wasi.WasiContext}), with a capability sandbox of preopened directories.
 */
module dev.kiln.wasi {
    requires transitive dev.kiln;
    requires java.management;

    exports dev.kiln.wasi;
}
