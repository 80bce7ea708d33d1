/** Nothing here yet: WASI preview1 host functions arrive with the kiln command. */
module dev.kiln.wasi {
    requires dev.kiln;
}
