/** Nothing here yet: compile-time builtins (linking, import erasure, inlining policy) arrive after the intrinsics. */
module dev.kiln.builtins {
    requires dev.kiln.intrinsics;
}
