package dev.kiln.compiler.ir;

import java.util.List;

/**
 * Prints IR as text, one instruction per line:
 * <pre>
 * function wasm[0]::fac(i64) -> i64 {
 * block0(v0: i64):
 *     v1 = iconst.i64 0
 *     v2 = icmp.eq v0, v1
 *     brif v2, block1, block2
 * ...
 * }
 * </pre>
 * Aliased values print as what they resolve to. Stateless and thread-safe.
 */
public final class IrPrinter {
    private IrPrinter() {
    }

    /** The whole function as text. */
    public static String print(IrFunction f) {
        StringBuilder sb = new StringBuilder();
        sb.append("function ").append(f.name()).append('(');
        appendTypes(sb, f.signature().params());
        sb.append(") -> (");
        appendTypes(sb, f.signature().results());
        sb.append(") {\n");
        for (Block b : f.blocks()) {
            sb.append(b);
            if (!b.params().isEmpty()) {
                sb.append('(');
                for (int i = 0; i < b.params().size(); i++) {
                    Value p = b.params().get(i);
                    sb.append(i == 0 ? "" : ", ").append(p).append(": ").append(p.type());
                }
                sb.append(')');
            }
            sb.append(":\n");
            for (Inst inst : b.insts()) {
                sb.append("    ").append(format(inst)).append('\n');
            }
        }
        return sb.append("}\n").toString();
    }

    private static void appendTypes(StringBuilder sb, List<?> types) {
        for (int i = 0; i < types.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(types.get(i));
        }
    }

    /** One instruction as text, e.g. {@code v3 = iadd.i32 v1, v2}. */
    public static String format(Inst inst) {
        StringBuilder sb = new StringBuilder();
        List<Value> results = inst.results();
        for (int i = 0; i < results.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(results.get(i));
        }
        if (!results.isEmpty()) {
            sb.append(" = ");
        }
        sb.append(inst.op());
        if (inst.cond() != null) {
            sb.append('.').append(inst.cond());
        }
        if (!results.isEmpty() && inst.op() != Op.CALL && inst.op() != Op.ICMP && inst.op() != Op.FCMP) {
            sb.append('.').append(results.get(0).type());
        }
        boolean first = true;
        switch (inst.op()) {
            case ICONST -> {
                sb.append(' ').append(results.get(0).type() == IrType.I32 ? Integer.toString((int) inst.imm())
                        : Long.toString(inst.imm()));
                first = false;
            }
            case FCONST -> {
                sb.append(' ').append(results.get(0).type() == IrType.F32
                        ? Float.toString(Float.intBitsToFloat((int) inst.imm()))
                        : Double.toString(Double.longBitsToDouble(inst.imm())));
                first = false;
            }
            case FCMP -> {
                sb.append('.').append(FloatCond.values()[(int) inst.imm()]);
            }
            case CALL, RETURN_CALL -> {
                sb.append(" func").append(inst.imm());
                first = false;
            }
            case RETURN_CALL_REF -> {
                sb.append(" type").append(inst.imm());
                first = false;
            }
            case TRAP -> {
                sb.append(' ').append(trapName(inst.imm()));
                first = false;
            }
            case VMCTX_LOAD -> {
                sb.append((inst.aux() & Op.INVARIANT) != 0 ? " invariant" : "").append(" vmctx+").append(inst.imm());
                first = false;
            }
            case LOAD, STORE -> {
                sb.append((inst.aux() & Op.INVARIANT) != 0 ? " invariant" : "")
                        .append((inst.aux() & Op.NATIVE) != 0 ? " native" : "")
                        .append((inst.aux() & Op.RUNTIME) != 0 ? " runtime" : "").append((inst.aux() & 16) != 0 ? " s" : " u").append((inst.aux() & 0xF) * 8).append(" +").append(inst.imm());
                first = false;
            }
            case TRAPIF -> {
                sb.append(' ').append(trapName(inst.imm()));
                first = false;
            }
            case VMCTX_ADDR -> {
                sb.append(" vmctx+").append(inst.imm());
                first = false;
            }
            case CALL_REF -> {
                sb.append(" type").append(inst.imm());
                first = false;
            }
            case LIBCALL -> {
                sb.append(" libcall").append(inst.imm());
                first = false;
            }
            case SIMD -> {
                sb.append(' ').append(simdMnemonic(inst.imm()));
                if (inst.aux() != 0) {
                    sb.append(" lane").append(inst.aux());
                }
                first = false;
            }
            case SEXTEND_LOW -> {
                sb.append(' ').append(inst.imm());
                first = false;
            }
            default -> {
            }
        }
        if (inst.op() == Op.VMCTX_STORE) {
            return sb.append(' ').append(inst.arg(0)).append(", vmctx+").append(inst.imm()).toString();
        }
        if (inst.op() == Op.CALL || inst.op() == Op.RETURN_CALL || inst.op() == Op.RETURN_CALL_REF) {
            sb.append('(');
            for (int i = 0; i < inst.args().size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(inst.arg(i));
            }
            sb.append(')');
            return sb.toString();
        }
        for (int i = 0; i < inst.args().size(); i++) {
            sb.append(first ? " " : ", ").append(inst.arg(i));
            first = false;
        }
        for (BlockCall bc : inst.targets()) {
            sb.append(first ? " " : ", ").append(bc);
            first = false;
        }
        return sb.toString();
    }

    private static String trapName(long code) {
        try {
            return dev.kiln.abi.TrapCode.fromCode((int) code).name().toLowerCase(java.util.Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return "trap" + code;
        }
    }

    private static String simdMnemonic(long code) {
        try {
            return dev.kiln.compiler.wasm.Opcode.decode(0xFD, (int) code).mnemonic();
        } catch (RuntimeException e) {
            return "simd" + code;
        }
    }
}
