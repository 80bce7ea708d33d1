// Times the benchmark kernels on V8 (node 20+), outside JMH, on the same .wasm files as the JVM engines.
// Usage: node kernels.mjs DIR WARMUP_S MEASURE_S ITERATIONS name=n [name=n ...]
// name is a kernel (DIR/name.wasm, export "run") or module@export (DIR/module.wasm, that export).
// Prints one JSON object per kernel and line:
//   {"kernel", "n", "checksum", "msPerOp", "error", "iterations"}   (error: 99.9% confidence half-width, like JMH)
//   {"kernel", "n", "na": reason}                                    when the module cannot run here
// Modules without imports are instantiated as they are; modules importing wasi_snapshot_preview1 get
// node's WASI (preview1).
import fs from 'node:fs';
import path from 'node:path';
import { WASI } from 'node:wasi';

const [dir, warmupS, measureS, iterationsArg, ...cases] = process.argv.slice(2);
if (!dir || cases.length === 0) {
  console.error('usage: node kernels.mjs DIR WARMUP_S MEASURE_S ITERATIONS name=n ...');
  process.exit(2);
}
const warmupMs = Number(warmupS) * 1000;
const measureMs = Number(measureS) * 1000;
const iterations = Number(iterationsArg);
// Student's t quantile for a two-sided 99.9% interval, by degrees of freedom (JMH's error bar).
const T999 = [NaN, 636.62, 31.60, 12.92, 8.61, 6.87, 5.96, 5.41, 5.04, 4.78, 4.59, 4.44, 4.32, 4.22, 4.14, 4.07];

function instantiate(bytes) {
  const module = new WebAssembly.Module(bytes);
  const imports = {};
  let wasi = null;
  if (WebAssembly.Module.imports(module).some((i) => i.module === 'wasi_snapshot_preview1')) {
    wasi = new WASI({ version: 'preview1', args: [], env: {} });
    Object.assign(imports, wasi.getImportObject());
  }
  const instance = new WebAssembly.Instance(module, imports);
  if (wasi && instance.exports._initialize) wasi.initialize(instance);
  return instance.exports;
}

for (const c of cases) {
  const [kernel, nText] = c.split('=');
  const [file, exportName = 'run'] = kernel.split('@');
  const n = Number(nText);
  let run;
  try {
    run = instantiate(fs.readFileSync(path.join(dir, `${file}.wasm`)))[exportName];
    if (typeof run !== 'function') throw new Error(`the module exports no function "${exportName}"`);
  } catch (e) {
    console.log(JSON.stringify({ kernel, n, na: String(e.message || e) }));
    continue;
  }
  const checksum = run(n) | 0;
  // One iteration: call run(n) until at least `ms` milliseconds have passed; returns ms per call.
  const iteration = (ms) => {
    let ops = 0;
    const t0 = process.hrtime.bigint();
    let elapsed = 0;
    do {
      run(n);
      ops++;
      elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
    } while (elapsed < ms);
    return elapsed / ops;
  };
  const warmupEnd = Date.now() + warmupMs;
  while (Date.now() < warmupEnd) iteration(Math.min(200, warmupMs));
  const samples = [];
  for (let i = 0; i < iterations; i++) samples.push(iteration(measureMs));
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const sd = Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, samples.length - 1));
  const t = T999[Math.min(samples.length - 1, T999.length - 1)] ?? 3.29;
  const error = samples.length > 1 ? (t * sd) / Math.sqrt(samples.length) : NaN;
  console.log(JSON.stringify({ kernel, n, checksum, msPerOp: mean, error, iterations: samples.length }));
}
