// Runs fuzz plans (see dev.kiln.fuzz.Plan) in V8 through the WebAssembly JS API, for comparison with
// Kiln. Protocol on stdin/stdout: "RUN <case directory>" -> writes <dir>/v8.out, then prints "DONE".
'use strict';
const fs = require('fs');
const path = require('path');
const readline = require('readline');

const f32buf = new Float32Array(1), u32buf = new Uint32Array(f32buf.buffer);
const f64buf = new Float64Array(1), u64buf = new BigUint64Array(f64buf.buffer);

function fmt(type, v) {
  switch (type) {
    case 'i32': return 'i32:' + (v | 0);
    case 'i64': return 'i64:' + BigInt.asIntN(64, BigInt(v)).toString();
    case 'f32':
      if (Number.isNaN(v)) return 'f32:nan';
      f32buf[0] = v; return 'f32:0x' + u32buf[0].toString(16);
    case 'f64':
      if (Number.isNaN(v)) return 'f64:nan';
      f64buf[0] = v; return 'f64:0x' + u64buf[0].toString(16);
    case 'funcref': return v === null ? 'funcref:null' : 'funcref:func';
    case 'externref': return v === null ? 'externref:null' : 'externref:' + (v && v.id !== undefined ? v.id : '?');
  }
  return type + ':?';
}

function parse(type, text) {
  const v = text.substring(text.indexOf(':') + 1);
  switch (type) {
    case 'i32': return parseInt(v, 10) | 0;
    case 'i64': return BigInt(v);
    case 'f32': u32buf[0] = parseInt(v.substring(2), 16); return f32buf[0];
    case 'f64': u64buf[0] = BigInt('0x' + v.substring(2)); return f64buf[0];
    case 'externref': return v === 'null' ? null : { id: parseInt(v, 10) };
    case 'funcref': return null;
  }
  throw new Error('no plan values of type ' + type);
}

const types = (s) => (s === '-' ? [] : s.split(','));
const fmtAll = (ts, vs) => (ts.length === 0 ? '()' : ts.map((t, k) => fmt(t, vs[k])).join(' '));

function hostResult(type, n) {
  switch (type) {
    case 'i32': return 'i32:' + ((n * 7 - 3) | 0);
    case 'i64': return 'i64:' + (BigInt(n) * 1000003n - 1n).toString();
    case 'f32': f32buf[0] = n + 0.5; return 'f32:0x' + u32buf[0].toString(16);
    case 'f64': f64buf[0] = -n - 0.25; return 'f64:0x' + u64buf[0].toString(16);
  }
  return type + ':null';
}

function trapOutcome(e) {
  if (e instanceof RangeError && /call stack/i.test(e.message)) return 'exhausted';
  if (e instanceof WebAssembly.RuntimeError) return 'trap # ' + e.message;
  throw e;
}

// Signature of each export, from the exported function's type where V8 tells it; plans carry
// argument types in their values, results are read from the module's own type section by Kiln's
// side only, so here results are formatted from their JS type.
function fmtResult(v, resultTypes) {
  if (resultTypes.length === 0) return '()';
  if (resultTypes.length === 1) return fmt(resultTypes[0], v);
  return fmtAll(resultTypes, Array.from(v));
}

function run(dir) {
  const out = [];
  const lines = fs.readFileSync(path.join(dir, 'plan.txt'), 'utf8').split('\n').filter((l) => l.length > 0);
  const imports = {};
  const instances = {};
  const sigs = JSON.parse(fs.readFileSync(path.join(dir, 'signatures.json'), 'utf8'));
  let hostCalls = 0;
  const define = (mod, field, value) => { (imports[mod] = imports[mod] || {})[field] = value; };
  for (const line of lines) {
    const t = line.split(' ');
    switch (t[0]) {
      case 'hostfunc': {
        const field = t[2], params = types(t[3]), results = types(t[4]), behaviour = t[5];
        define(t[1], field, (...args) => {
          out.push('host ' + field + ' ' + fmtAll(params, args));
          hostCalls++;
          if (behaviour.startsWith('reenter:')) {
            const [, inst, exp] = behaviour.split(':');
            if (instances[inst]) return instances[inst].exports[exp](...args);
          }
          const vals = results.map((r) => parse(r, hostResult(r, hostCalls)));
          return results.length === 0 ? undefined : results.length === 1 ? vals[0] : vals;
        });
        break;
      }
      case 'hostmemory': {
        const d = { initial: Number(t[3]) };
        if (t[4] !== '-') d.maximum = Number(t[4]);
        define(t[1], t[2], new WebAssembly.Memory(d));
        break;
      }
      case 'hosttable': {
        const d = { element: t[3] === 'funcref' ? 'anyfunc' : 'externref', initial: Number(t[4]) };
        if (t[5] !== '-') d.maximum = Number(t[5]);
        // null, not the JS API's default: for externref that is undefined, a non-null reference
        define(t[1], t[2], new WebAssembly.Table(d, null));
        break;
      }
      case 'hostglobal':
        define(t[1], t[2], new WebAssembly.Global({ value: t[3], mutable: t[4] === 'mut' }, parse(t[3], t[5])));
        break;
      case 'instantiate': {
        let outcome = 'ok';
        try {
          const module = new WebAssembly.Module(fs.readFileSync(path.join(dir, t[2])));
          const instance = new WebAssembly.Instance(module, imports);
          instances[t[1]] = instance;
          imports[t[1]] = instance.exports;
        } catch (e) {
          if (e instanceof WebAssembly.CompileError) outcome = 'compile-error # ' + e.message;
          else if (e instanceof WebAssembly.LinkError || e instanceof TypeError) outcome = 'link-error # ' + e.message;
          else outcome = trapOutcome(e);
        }
        out.push('instantiate ' + t[1] + ' ' + outcome);
        break;
      }
      case 'call': {
        const instance = instances[t[1]];
        let outcome;
        if (!instance) {
          outcome = 'no-instance';
        } else {
          const sig = sigs[t[1]][t[2]];
          const args = sig.params.map((p, k) => parse(p, t[3 + k]));
          try {
            outcome = fmtResult(instance.exports[t[2]](...args), sig.results);
          } catch (e) {
            outcome = trapOutcome(e);
          }
        }
        out.push('call ' + t[1] + ' ' + t[2] + ' -> ' + outcome);
        break;
      }
      case 'memory': {
        const instance = instances[t[1]];
        if (!instance) break;
        const bytes = new Uint8Array(instance.exports[t[2]].buffer);
        let h = 0x811c9dc5 | 0;
        for (let k = 0; k < bytes.length; k++) h = Math.imul(h ^ bytes[k], 0x01000193);
        out.push('memory ' + t[1] + ' ' + t[2] + ' pages=' + bytes.length / 65536 + ' fnv=' + (h >>> 0).toString(16));
        break;
      }
      case 'global': {
        const instance = instances[t[1]];
        if (!instance) break;
        out.push('global ' + t[1] + ' ' + t[2] + ' ' + fmt(sigs[t[1]][t[2]].type, instance.exports[t[2]].value));
        break;
      }
      case 'table': {
        const instance = instances[t[1]];
        if (!instance) break;
        const table = instance.exports[t[2]];
        let refs = '';
        for (let k = 0; k < Math.min(table.length, 256); k++) refs += table.get(k) === null ? '0' : '1';
        out.push('table ' + t[1] + ' ' + t[2] + ' size=' + table.length + ' refs=' + refs);
        break;
      }
      default:
        throw new Error('unknown plan step: ' + line);
    }
  }
  return out;
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (!line.startsWith('RUN ')) return;
  const dir = line.substring(4);
  let out;
  try {
    out = run(dir);
  } catch (e) {
    out = ['error ' + String(e && e.stack ? e.stack : e).replace(/\n/g, ' | ')];
  }
  fs.writeFileSync(path.join(dir, 'v8.out'), out.join('\n') + '\n');
  process.stdout.write('DONE\n');
});
