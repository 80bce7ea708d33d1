/**
 * The unsafe native-memory intrinsics of DESIGN §4: their catalog ({@link dev.kiln.intrinsics.Intrinsic}),
 * the privilege check of an import of them ({@link dev.kiln.intrinsics.IntrinsicImports}) and their
 * lowering to raw or checked native loads and stores in the IR.
 */
module dev.kiln.intrinsics {
    requires transitive dev.kiln.compiler;

    exports dev.kiln.intrinsics;
}
