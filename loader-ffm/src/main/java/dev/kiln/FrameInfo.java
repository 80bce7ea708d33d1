package dev.kiln;

/**
 * One Wasm frame of a {@link WasmBacktrace}, as Wasmtime's {@code FrameInfo} describes it.
 *
 * @param moduleName   the module's name from its {@code name} section, or null
 * @param funcIndex    the funcidx of the function (imports included in the numbering)
 * @param funcName     the function's name from the {@code name} section or, for a module without
 *                     one, from DWARF {@code .debug_info}; null when it has none
 * @param moduleOffset byte offset, from the start of the module's binary, of the instruction that
 *                     trapped (innermost frame) or of the call (other frames); -1 if unknown
 * @param inlined      whether the compiler inlined this function's code into the next frame's
 *                     function (the frame exists in the Wasm program, not on the machine stack)
 */
public record FrameInfo(String moduleName, int funcIndex, String funcName, int moduleOffset, boolean inlined) {
    /**
     * The frame as Wasmtime prints it after the offset: {@code module!function}, with
     * {@code <unknown>} for a module without a name and {@code <wasm function N>} for a function
     * without one.
     */
    public String displayName() {
        return (moduleName != null ? moduleName : "<unknown>") + "!"
                + (funcName != null ? funcName : "<wasm function " + funcIndex + ">");
    }
}
