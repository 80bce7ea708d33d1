/** Nothing here yet: the unsafe native-memory intrinsics (catalog, privilege check, lowering) arrive with compile-time builtins. */
module dev.kiln.intrinsics {
    requires dev.kiln.compiler;
}
